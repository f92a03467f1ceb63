"""Two officers of different countries file seizures, one with JavaScript disabled; the coordinator watches
them arrive live in the operation's workspace, validates one and asks for information on the other.

(The single-officer filing and its history are in test_browser_journey.py; this is the issue's journey 2 whole.)
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from operations import services as operation_services
from reference.models import Country, Mea, Rilo
from reference.services import reference_data_load
from seizures.choices import SeizureStatus
from seizures.models import Seizure
from tests.browser import BrowserTestCase, launch, needs_chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]

QUESTION = "Please attach photos of the battery labels."


class ArrivalsJourneyTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        office = account_services.administration_create(
            code="rilo-wa", name="RILO West Africa", kind=AdministrationKind.RILO, rilo=Rilo.objects.get(code="WA")
        )
        coordinator = account_services.user_create(
            username="awa", email="awa@example.org", password=PASSWORD, administration=office, role=Role.COORDINATOR
        )
        administrations = []
        for code, officer in (("NG", "chidi"), ("FR", "marie")):
            administration = account_services.administration_create(
                code=f"{code.lower()}-customs", name=f"{code} Customs", kind=AdministrationKind.CUSTOMS,
                country=Country.objects.get(code=code),
            )  # fmt: skip
            account_services.user_create(
                username=f"ncp.{code.lower()}", email=f"ncp.{code.lower()}@example.org", password=PASSWORD,
                administration=administration, role=Role.NATIONAL_CONTACT,
            )  # fmt: skip
            account_services.user_create(
                username=officer, email=f"{officer}@example.org", password=PASSWORD, administration=administration,
                role=Role.OFFICER,
            )  # fmt: skip
            administrations.append(administration)
        now = timezone.now()
        operation = operation_services.operation_create(
            user=coordinator, code="DEMETER-2026", name_en="Demeter 2026", coordinating_administration=office,
            coordinators=[coordinator], starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=20),
            scope_meas=[Mea.objects.get(code="BASEL")],
        )  # fmt: skip
        operation_services.participation_invite(user=coordinator, operation=operation, administrations=administrations)
        for participation in operation.participations.select_related("administration"):
            ncp = participation.administration.users.get(role=Role.NATIONAL_CONTACT)
            operation_services.participation_respond(user=ncp, participation=participation, accept=True)
        self.operation = operation_services.operation_transition(
            user=coordinator, operation=operation, action="activate"
        )

    def _sign_in(self, browser, username: str, *, javascript: bool = True):  # type: ignore[no-untyped-def]
        page = browser.new_context(java_script_enabled=javascript).new_page()
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        self.pass_second_factor(page, username)
        page.wait_for_url(f"{self.live_server_url}/")
        return page

    def _file(self, officer, *, port: str, container: str, description: str, origin: str) -> None:  # type: ignore[no-untyped-def]
        officer.goto(f"{self.live_server_url}/operations/{self.operation.pk}/")
        officer.get_by_role("link", name="File a seizure").click()
        officer.get_by_label("Date and time of seizure (UTC)").fill(
            (timezone.now() - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
        )
        officer.get_by_label("Port or airport").first.fill(port)
        officer.get_by_label("Container numbers").fill(container)
        officer.locator('[name="lines-0-mea"]').select_option("BASEL")
        officer.locator('[name="lines-0-hs_code"]').fill("8549.11")
        officer.locator('[name="lines-0-description"]').fill(description)
        officer.locator('[name="lines-0-quantity"]').fill("12.5")
        officer.locator('[name="lines-0-unit"]').select_option("TNE")
        officer.locator('[name="route-0-country"]').fill(origin)
        officer.get_by_role("button", name="Submit to the V-OCU").click()
        officer.wait_for_url("**/seizures/*/")

    def test_two_countries_file_the_coordinator_watches_then_validates_and_asks(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            coordinator = self._sign_in(browser, "awa")
            coordinator.goto(f"{self.live_server_url}/operations/{self.operation.pk}/")
            coordinator.wait_for_selector("body[data-stream-state=open]", timeout=10_000)
            coordinator.evaluate("window.sameDocument = true")
            counter = coordinator.locator(f'[data-live-count="seizure:{self.operation.context}"]')
            thread = coordinator.locator(f'[data-live=posts][data-context="{self.operation.context}"]')
            expect(counter).to_have_text("0")

            chidi = self._sign_in(browser, "chidi", javascript=False)
            self._file(
                chidi, port="NGAPP", container="CSQU3054383", description="Waste lead-acid batteries", origin="IT"
            )
            expect(counter).to_have_text("1", timeout=10_000)
            thread.locator("li.fresh", has_text="DEMETER-2026/NG/0001").wait_for(timeout=10_000)

            marie = self._sign_in(browser, "marie")
            self._file(
                marie, port="FRLEH", container="MSCU1234566", description="Used lead-acid batteries", origin="BE"
            )
            expect(counter).to_have_text("2", timeout=10_000)
            thread.locator("li.fresh", has_text="DEMETER-2026/FR/0001").wait_for(timeout=10_000)
            assert coordinator.evaluate("window.sameDocument") is True, "both arrived without reloading the page"
            screenshot(coordinator, "seizures-arriving-live")

            coordinator.get_by_role("link", name="Validation queue").click()
            nigeria = coordinator.locator("ul.queue > li", has_text="DEMETER-2026/NG/0001")
            nigeria.get_by_role("button", name="Validate").click()
            coordinator.get_by_text("DEMETER-2026/NG/0001").wait_for(state="detached")
            france = coordinator.locator("ul.queue > li", has_text="DEMETER-2026/FR/0001")
            france.get_by_label("Comment").fill(QUESTION)
            france.get_by_role("button", name="Ask for more information").click()
            coordinator.get_by_text("Nothing waiting for validation.").wait_for()
            screenshot(coordinator, "seizures-validated-and-questioned")

            marie.reload()
            assert marie.get_by_text(QUESTION).is_visible()
            browser.close()

        statuses = dict(Seizure.objects.values_list("reference", "status"))
        assert statuses == {
            "DEMETER-2026/NG/0001": SeizureStatus.VALIDATED,
            "DEMETER-2026/FR/0001": SeizureStatus.INFO_REQUESTED,
        }
        assert Seizure.objects.get(reference="DEMETER-2026/FR/0001").review_comment == QUESTION
