"""A coordinator generates an edition; an analyst downloads the raw lines as CSV and a debrief as PDF, in a
browser, and both files open: the CSV parses and has rows, the PDF has pages that name the operation.

Editions are kept per audience: the coordinator's (every counted seizure) is not the participants' one, so
the analyst, whose administration takes part, generates the participants' edition and cannot open the
coordinator's.
"""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright
from pypdf import PdfReader

from accounts import services as account_services
from accounts.choices import AdministrationKind, Role
from operations import services as operation_services
from reference.models import Country, Mea, Rilo
from reference.services import reference_data_load
from reports.models import Report
from seizures.simulation import simulate_operation
from tests.browser import BrowserTestCase, launch, needs_chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]


class AnalystDownloadJourneyTest(BrowserTestCase):
    def setUp(self) -> None:
        reference_data_load()
        office = account_services.administration_create(
            code="rilo-we", name="RILO Western Europe", kind=AdministrationKind.RILO, rilo=Rilo.objects.get(code="WE")
        )
        coordinator = account_services.user_create(
            username="jan", email="jan@example.org", password=PASSWORD, administration=office, role=Role.COORDINATOR
        )
        administrations = []
        for code, name in (("FR", "French Customs"), ("NG", "Nigeria Customs Service")):
            administration = account_services.administration_create(
                code=f"{code.lower()}-customs", name=name, kind=AdministrationKind.CUSTOMS,
                country=Country.objects.get(code=code),
            )  # fmt: skip
            account_services.user_create(
                username=f"ncp.{code.lower()}", email=f"ncp.{code.lower()}@example.org", password=PASSWORD,
                administration=administration, role=Role.NATIONAL_CONTACT,
            )  # fmt: skip
            account_services.user_create(
                username=f"officer.{code.lower()}", email=f"officer.{code.lower()}@example.org", password=PASSWORD,
                administration=administration, role=Role.OFFICER,
            )  # fmt: skip
            administrations.append(administration)
        account_services.user_create(
            username="sofia", email="sofia@example.org", password=PASSWORD, administration=administrations[0],
            role=Role.ANALYST, first_name="Sofia", last_name="Rossi",
        )  # fmt: skip
        now = timezone.now()
        operation = operation_services.operation_create(
            user=coordinator, code="DEMETER-2026", name_en="Demeter 2026", coordinating_administration=office,
            coordinators=[coordinator], starts_at=now - timedelta(days=5), ends_at=now + timedelta(days=20),
            scope_meas=list(Mea.objects.filter(code__in=["BASEL", "MONTREAL"])),
        )  # fmt: skip
        operation_services.participation_invite(user=coordinator, operation=operation, administrations=administrations)
        for participation in operation.participations.select_related("administration"):
            ncp = participation.administration.users.get(role=Role.NATIONAL_CONTACT)
            operation_services.participation_respond(user=ncp, participation=participation, accept=True)
        self.operation = operation_services.operation_transition(
            user=coordinator, operation=operation, action="activate"
        )
        simulate_operation(operation=self.operation, seizures=8)

    def test_analyst_downloads_the_raw_lines_and_a_debrief_that_open(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            coordinator = self.sign_in(browser, "jan", PASSWORD)
            coordinator.goto(f"{self.live_server_url}/operations/{self.operation.pk}/")
            coordinator.get_by_role("link", name="Reports and downloads").click()
            coordinator.get_by_label("Kind").select_option("preliminary")
            coordinator.get_by_role("button", name="Generate").click()
            coordinator.wait_for_url("**/reports/*/")
            coordinator.get_by_role("link", name="PDF debrief").wait_for()
            coordination_edition = coordinator.url

            analyst = self.sign_in(browser, "sofia", PASSWORD)
            analyst.get_by_role("link", name="Operations", exact=True).click()
            analyst.get_by_role("link", name="DEMETER-2026").first.click()
            analyst.get_by_role("link", name="Reports and downloads").click()
            with analyst.expect_download() as csv_download:
                analyst.get_by_role("link", name="CSV: submitted and validated seizures").click()
            lines = Path(csv_download.value.path()).read_bytes()

            assert analyst.get_by_text("No edition yet.").is_visible(), "the coordination's edition is not theirs"
            analyst.get_by_role("button", name="Generate").click()
            analyst.wait_for_url("**/reports/*/")
            with analyst.expect_download() as pdf_download:
                analyst.get_by_role("link", name="PDF debrief").click()
            pdf = Path(pdf_download.value.path()).read_bytes()
            pdf_name = pdf_download.value.suggested_filename
            screenshot(analyst, "analyst-report-downloads")

            assert analyst.goto(coordination_edition).status == 404
            browser.close()

        rows = list(csv.reader(io.StringIO(lines.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        assert len(header) > 20
        assert body, "the raw lines CSV has no row"
        assert all(row[0].startswith("DEMETER-2026/") for row in body)
        assert all(len(row) == len(header) for row in body)

        assert pdf.startswith(b"%PDF")
        assert pdf_name == "DEMETER-2026-preliminary-v1-en.pdf"
        reader = PdfReader(io.BytesIO(pdf))
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert len(reader.pages) >= 1
        assert "DEMETER-2026" in text
        assert "Sofia Rossi" in text, "every page is stamped with who downloaded it"
        assert sorted(Report.objects.values_list("audience", "requested_by__username")) == [
            ("coordination", "jan"),
            ("participants", "sofia"),
        ]
