"""Two people in two real browsers: a post made by one appears live in the other's inbox."""

import time

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


class LivePostTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        france = Country.objects.get(code="FR")
        customs = account_services.administration_create(
            code="fr-customs", name="French Customs", kind=AdministrationKind.CUSTOMS, country=france
        )
        foreign = account_services.administration_create(
            code="ng-customs",
            name="Nigeria Customs Service",
            kind=AdministrationKind.CUSTOMS,
            country=Country.objects.get(code="NG"),
        )
        self.alice = account_services.user_create(
            username="alice", email="alice@example.org", password=PASSWORD, administration=customs
        )
        self.bob = account_services.user_create(
            username="bob", email="bob@example.org", password=PASSWORD, administration=customs
        )
        self.chidi = account_services.user_create(
            username="chidi", email="chidi@example.org", password=PASSWORD, administration=foreign
        )

    def test_a_post_appears_in_a_compatriots_inbox_within_a_second(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            alice, bob, chidi = (self.sign_in(browser, name, PASSWORD) for name in ("alice", "bob", "chidi"))
            for page in (bob, chidi):
                page.goto(f"{self.live_server_url}/channel/")
                page.wait_for_selector("body[data-stream-state=open]", timeout=10_000)

            alice.goto(f"{self.live_server_url}/channel/posts/new/")
            alice.get_by_label("Kind").select_option("alert")
            alice.get_by_label("Topic").select_option("A")
            alice.get_by_label("Title").fill("Suspect WEEE container leaving Le Havre")
            alice.get_by_label("Message").fill("Container MSCU1234565, declared as used household goods.")
            alice.get_by_label("All users in my country").check()
            alice.get_by_role("button", name="Send").click()
            alice.wait_for_url("**/channel/posts/*/")
            sent = time.monotonic()

            bob.locator("#inbox li.fresh", has_text="Suspect WEEE container leaving Le Havre").wait_for(timeout=1_000)
            delay = time.monotonic() - sent
            assert bob.locator("#unread-count").inner_text() == "1"
            screenshot(bob, "channel-live-post")

            chidi.wait_for_timeout(500)
            assert chidi.locator("#inbox li", has_text="Suspect WEEE").count() == 0
            browser.close()

        assert delay < 1.0
        assert Post.objects.filter(title="Suspect WEEE container leaving Le Havre", author=self.alice).exists()
