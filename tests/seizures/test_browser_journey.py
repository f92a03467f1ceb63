"""An officer files a seizure with JavaScript disabled; the coordinator validates it; the history shows both."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

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


class FilingJourneyTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        office = account_services.administration_create(
            code="rilo-wa", name="RILO West Africa", kind=AdministrationKind.RILO, rilo=Rilo.objects.get(code="WA")
        )
        nigeria = account_services.administration_create(
            code="ng-customs", name="Nigeria Customs", kind=AdministrationKind.CUSTOMS,
            country=Country.objects.get(code="NG"),
        )  # fmt: skip
        coordinator = account_services.user_create(
            username="awa", email="awa@example.org", password=PASSWORD, administration=office, role=Role.COORDINATOR
        )
        ncp = account_services.user_create(
            username="ncp.ng", email="ncp@example.org", password=PASSWORD, administration=nigeria,
            role=Role.NATIONAL_CONTACT,
        )  # fmt: skip
        account_services.user_create(
            username="chidi", email="chidi@example.org", password=PASSWORD, administration=nigeria, role=Role.OFFICER
        )
        now = timezone.now()
        operation = operation_services.operation_create(
            user=coordinator, code="DEMETER-2026", name_en="Demeter 2026", coordinating_administration=office,
            coordinators=[coordinator], starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=20),
            scope_meas=[Mea.objects.get(code="BASEL")],
        )  # fmt: skip
        operation_services.participation_invite(user=coordinator, operation=operation, administrations=[nigeria])
        operation_services.participation_respond(user=ncp, participation=operation.participations.get(), accept=True)
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

    def test_file_without_javascript_then_validate(self) -> None:
        yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            officer = self._sign_in(browser, "chidi", javascript=False)
            officer.goto(f"{self.live_server_url}/operations/{self.operation.pk}/")
            officer.get_by_role("link", name="File a seizure").click()
            officer.get_by_label("Date and time of seizure (UTC)").fill(yesterday)
            officer.get_by_label("Port or airport").first.fill("NGAPP")
            officer.get_by_label("Container numbers").fill("CSQU3054383")
            officer.locator('[name="lines-0-mea"]').select_option("BASEL")
            officer.locator('[name="lines-0-hs_code"]').fill("8549.11")
            officer.locator('[name="lines-0-description"]').fill("Waste lead-acid batteries")
            officer.locator('[name="lines-0-quantity"]').fill("12.5")
            officer.locator('[name="lines-0-unit"]').select_option("TNE")
            officer.get_by_role("button", name="Add a commodity line").click()
            officer.locator('[name="lines-1-mea"]').select_option("BASEL")
            officer.locator('[name="lines-1-hs_code"]').fill("841810")
            officer.locator('[name="lines-1-description"]').fill("End-of-life refrigerators")
            officer.locator('[name="lines-1-quantity"]').fill("40")
            officer.locator('[name="lines-1-unit"]').select_option("PCS")
            assert officer.locator('[name="lines-0-description"]').input_value() == "Waste lead-acid batteries"
            officer.locator('[name="route-0-country"]').fill("IT")
            officer.get_by_role("button", name="Add a route leg").click()
            officer.locator('[name="route-1-role"]').select_option("transit")
            officer.locator('[name="route-1-country"]').fill("ES")
            officer.locator('[name="route-2-role"]').select_option("discovery")
            officer.locator('[name="route-2-country"]').fill("NG")
            officer.get_by_role("button", name="Submit to the V-OCU").click()
            officer.wait_for_url("**/seizures/*/")
            assert officer.get_by_text("DEMETER-2026/NG/0001").first.is_visible()
            screenshot(officer, "seizure-filed-without-javascript")

            seizure = Seizure.objects.get()
            assert seizure.status == SeizureStatus.SUBMITTED
            assert seizure.lines.count() == 2
            assert list(seizure.route.values_list("role", "country")) == [
                ("origin", "IT"),
                ("transit", "ES"),
                ("discovery", "NG"),
            ]

            coordinator = self._sign_in(browser, "awa")
            coordinator.goto(f"{self.live_server_url}/seizures/queue/{self.operation.pk}/")
            coordinator.get_by_role("button", name="Validate").click()
            coordinator.wait_for_url("**/seizures/queue/*/")
            assert coordinator.get_by_text("Nothing waiting for validation.").is_visible()
            coordinator.goto(f"{self.live_server_url}/seizures/{seizure.pk}/history/")
            assert coordinator.get_by_role("heading", name="Version 2 · Validated").is_visible()
            assert coordinator.get_by_role("heading", name="Version 1 · Submitted").is_visible()
            screenshot(coordinator, "seizure-history-after-validation")
            browser.close()
        seizure.refresh_from_db()
        assert seizure.status == SeizureStatus.VALIDATED
