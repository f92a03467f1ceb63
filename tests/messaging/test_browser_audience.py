"""A post to "all users in my country" reaches a compatriot of another administration live, and never a
foreign user: their open pages receive nothing, their inboxes do not list it, its address answers 404.

The foreign pages are shown to be listening: a post to everybody, sent afterwards, reaches them live.
Events reach a page in the order they were published, so once that later post has arrived, the first
one would have arrived before it, had it been addressed to them.
"""

import pytest
from playwright.sync_api import sync_playwright

from accounts import services as account_services
from accounts.choices import AdministrationKind
from messaging.models import Post
from reference.models import Country
from reference.services import reference_data_load
from tests.browser import BrowserTestCase, launch, needs_chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]

NATIONAL = "Le Havre: R-22 cylinders relabelled as R-134a"
GLOBAL = "Identification guide for refrigerant cylinders"


def listen(frames: list[str]):  # type: ignore[no-untyped-def]
    """A page's WebSocket handler that keeps every frame the page receives."""

    def on_socket(socket) -> None:  # type: ignore[no-untyped-def]
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    return on_socket


class CountryAudienceTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        france, nigeria = Country.objects.get(code="FR"), Country.objects.get(code="NG")
        people = [
            ("alice", "fr-customs", "French Customs", AdministrationKind.CUSTOMS, france),
            ("bob", "fr-ofb", "French Biodiversity Agency", AdministrationKind.ENVIRONMENT, france),
            ("chidi", "ng-customs", "Nigeria Customs Service", AdministrationKind.CUSTOMS, nigeria),
            ("kenji", "interpol", "INTERPOL Environmental Security", AdministrationKind.INTERNATIONAL, None),
        ]
        for username, code, name, kind, country in people:
            administration = account_services.administration_create(code=code, name=name, kind=kind, country=country)
            account_services.user_create(
                username=username, email=f"{username}@example.org", password=PASSWORD, administration=administration
            )

    def _post(self, page, title: str, audience: str) -> str:  # type: ignore[no-untyped-def]
        """Sends a post through the form; returns the address of the post."""
        page.goto(f"{self.live_server_url}/channel/posts/new/")
        page.get_by_label("Kind").select_option("information")
        page.get_by_label("Topic").select_option("D")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Message").fill(
            "Non-refillable cylinders, false labels; refrigerant identifier says HCFC-22."
        )
        page.get_by_label(audience).check()
        page.get_by_role("button", name="Send").click()
        page.wait_for_url("**/channel/posts/*/")
        return page.url

    def test_my_country_reaches_a_compatriot_live_and_never_a_foreign_user(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            alice, bob, chidi, kenji = (
                self.sign_in(browser, name, PASSWORD) for name in ("alice", "bob", "chidi", "kenji")
            )
            frames: dict[str, list[str]] = {"bob": [], "chidi": [], "kenji": []}
            for name, page in (("bob", bob), ("chidi", chidi), ("kenji", kenji)):
                page.on("websocket", listen(frames[name]))
                page.goto(f"{self.live_server_url}/channel/")
                page.wait_for_selector("body[data-stream-state=open]", timeout=10_000)
                page.evaluate("window.sameDocument = true")

            national = self._post(alice, NATIONAL, "All users in my country")
            bob.locator("#inbox li.fresh", has_text=NATIONAL).wait_for(timeout=10_000)
            assert bob.evaluate("window.sameDocument") is True, "shown without reloading the page"
            assert bob.locator("#unread-count").inner_text() == "1"
            assert any(NATIONAL in frame for frame in frames["bob"])
            screenshot(bob, "channel-my-country-compatriot")

            self._post(alice, GLOBAL, "Everybody")
            for page in (chidi, kenji):
                page.locator("#inbox li.fresh", has_text=GLOBAL).wait_for(timeout=10_000)
                assert page.locator("#inbox li", has_text=NATIONAL).count() == 0
                assert page.locator("#unread-count").inner_text() == "1"
            assert not [frame for name in ("chidi", "kenji") for frame in frames[name] if NATIONAL in frame]

            for page in (chidi, kenji):
                page.reload()
                assert page.locator("#inbox li", has_text=GLOBAL).count() == 1
                assert page.locator("#inbox li", has_text=NATIONAL).count() == 0
                assert page.goto(national).status == 404
            chidi.goto(f"{self.live_server_url}/channel/")
            screenshot(chidi, "channel-my-country-foreign-inbox")
            browser.close()

        post = Post.objects.get(title=NATIONAL)
        assert set(post.deliveries.values_list("user__username", flat=True)) == {"alice", "bob"}
