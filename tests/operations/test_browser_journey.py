"""A coordinator creates an operation, invites a RILO's administrations, schedules and activates it, in a browser."""

import pytest
from playwright.sync_api import sync_playwright

from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from operations.models import Operation
from reference.models import Country, Rilo
from reference.services import reference_data_load
from tests.browser import BrowserTestCase, launch, needs_chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]


class CoordinatorJourneyTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        office = account_services.administration_create(
            code="rilo-wa", name="RILO West Africa", kind=AdministrationKind.RILO, rilo=Rilo.objects.get(code="WA")
        )
        self.coordinator = account_services.user_create(
            username="awa", email="awa@example.org", password=PASSWORD, administration=office, role=Role.COORDINATOR
        )
        for code in ("NG", "GH", "SN"):
            account_services.administration_create(
                code=f"{code.lower()}-customs",
                name=f"{code} Customs",
                kind=AdministrationKind.CUSTOMS,
                country=Country.objects.get(code=code),
            )
        account_services.administration_create(
            code="fr-customs",
            name="French Customs",
            kind=AdministrationKind.CUSTOMS,
            country=Country.objects.get(code="FR"),
        )

    def test_create_invite_a_rilo_schedule_and_activate(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = self.sign_in(browser, "awa", PASSWORD)

            page.get_by_role("link", name="Operations", exact=True).click()
            page.get_by_role("link", name="New operation").click()
            page.get_by_label("Code", exact=True).fill("WASTE-WA-2026")
            page.get_by_label("Name (English)").fill("West African ports against e-waste dumping")
            page.get_by_label("Starts at (UTC)").fill("2026-01-01T00:00")
            page.get_by_label("Ends at (UTC)").fill("2036-01-31T00:00")
            page.get_by_label("MEAs in scope").select_option("BASEL")
            page.get_by_label("Commodity focus (HS codes)").fill("8549 3915")
            page.get_by_label("Container numbers").select_option("required")
            page.get_by_role("button", name="Save").click()
            page.wait_for_url("**/operations/*/")
            assert page.get_by_text("WASTE-WA-2026").first.is_visible()

            page.get_by_role("link", name="Invite administrations").click()
            page.get_by_label("Or every administration of a RILO region").select_option("WA")
            page.get_by_role("button", name="Invite").click()
            page.get_by_text("3 administrations invited.").wait_for()

            page.get_by_role("link", name="WASTE-WA-2026").click()
            page.get_by_role("button", name="Schedule").click()
            page.get_by_text("The operation is planned.").wait_for()
            page.get_by_role("button", name="Activate now").click()
            page.get_by_text("The operation is active.").wait_for()
            page.get_by_text("Active", exact=True).first.wait_for()
            screenshot(page, "operation-created-and-activated")
            browser.close()

        operation = Operation.objects.get(code="WASTE-WA-2026")
        assert operation.status == "active"
        assert operation.field_rules == {"containers": "required"}
        assert sorted(operation.participations.values_list("administration__country_id", flat=True)) == [
            "GH",
            "NG",
            "SN",
        ]
