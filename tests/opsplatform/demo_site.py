"""The demo, as `make demo` seeds it, for browser tests that look at the main pages as its users see them.

The real ``seed_demo`` command runs (same accounts, operations, posts, library and report edition),
with fewer simulated seizures than the 120 of the demo so that seeding stays within a few seconds.
"""

import io
from dataclasses import dataclass
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from operations.models import Operation
from opsplatform.management.commands.seed_demo import DEMO_SEIZURES
from reference.services import reference_data_load
from reports.models import Report
from seizures.models import Seizure

#: Enough seizures for full lists, queues and charts; the demo's 120 would add ~6 s to each test class.
SEIZURES = 30


@dataclass(frozen=True)
class DemoSite:
    operation: Operation
    seizure: Seizure  # filed by the French officer, so both he and the coordinator may open it
    report: Report

    def path(self, name: str) -> str:
        """The path of one of the main pages, by a short name."""
        return {
            "login": "/accounts/login/",
            "home": "/",
            "workspace": f"/operations/{self.operation.pk}/",
            "filing form": f"/seizures/file/{self.operation.pk}/",
            "seizure detail": f"/seizures/{self.seizure.pk}/",
            "seizure list": "/seizures/",
            "channel inbox": "/channel/",
            "new post": "/channel/posts/new/",
            "library": "/channel/library/",
            "report page": f"/reports/operations/{self.operation.pk}/",
            "report edition": f"/reports/{self.report.pk}/",
            "regional view": "/reports/regions/WE/",
            "HS search": "/reference/hs-codes/?q=refrigerator",
        }[name]


def demo_seed() -> DemoSite:
    """Loads the reference data and runs ``seed_demo`` (quietly), for a live-server test's setUp."""
    reference_data_load()
    code, _count = DEMO_SEIZURES
    with mock.patch("opsplatform.management.commands.seed_demo.DEMO_SEIZURES", (code, SEIZURES)):
        call_command("seed_demo", stdout=io.StringIO())
    operation = Operation.objects.get(code=code)
    officer = User.objects.get(username="officer.fr")
    return DemoSite(
        operation=operation,
        seizure=Seizure.objects.filter(operation=operation, filed_by=officer).order_by("pk").first(),
        report=Report.objects.filter(operation=operation).latest("pk"),
    )


def session_cookies(live_server_url: str, username: str) -> list[dict[str, str]]:
    """Cookies of a browser signed in as ``username``, in their language, for ``context.add_cookies``.

    The session is opened by Django's test client (sessions live in the database the live server reads)
    and the language cookie is the one the login page sets: pages look as they do after signing in
    through the form, without a form round trip per user. Call it outside ``sync_playwright()``: the
    ORM there would open a database connection in Playwright's greenlet that nothing closes.
    """
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [
        {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server_url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": user.language, "url": live_server_url},
    ]
