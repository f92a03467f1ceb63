"""From a request on the public form to a first sign-in with a code, in a browser, with a real SMTP server."""

import email
import email.policy
import re
import socket
import time
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import sync_playwright

from accounts import services as account_services
from accounts.choices import AccessRequestStatus, AdministrationKind, Role
from accounts.models import AccessRequest, User
from reference.models import Country
from reference.services import reference_data_load
from tests.browser import BrowserTestCase, launch, needs_chromium, outside_playwright, screenshot
from tests.conftest import PASSWORD
from tests.otp import otp_code, otp_code_for_secret

pytestmark = [pytest.mark.browser, needs_chromium]

NEW_PASSWORD = "Seine-Estuary-Inspector-2026"


class Inbox:
    """An aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [message for message in self.messages if message["To"] == address]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {address} within {timeout} s")


def _path(message: Message, pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern})", message.get_content()).group(1)  # type: ignore[union-attr]


class AccessRequestJourneyTest(BrowserTestCase):
    """The live server is a forked process: it inherits the SMTP settings enabled before it starts."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.inbox = Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cls.smtp = Controller(cls.inbox, hostname="127.0.0.1", port=port)
        cls.smtp.start()
        cls.smtp_settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
        )
        cls.smtp_settings.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.smtp_settings.disable()
        cls.smtp.stop()

    def setUp(self) -> None:
        reference_data_load()
        self.customs = account_services.administration_create(
            code="fr-customs", name="French Customs", kind=AdministrationKind.CUSTOMS,
            country=Country.objects.get(code="FR"),
        )  # fmt: skip
        secretariat = account_services.administration_create(
            code="secretariat", name="Secretariat", kind=AdministrationKind.SECRETARIAT
        )
        account_services.user_create(
            username="claire", email="claire@example.org", password=PASSWORD, administration=self.customs,
            role=Role.NATIONAL_CONTACT,
        )  # fmt: skip
        account_services.user_create(
            username="amina", email="amina@example.org", password=PASSWORD, administration=secretariat,
            role=Role.SECRETARIAT,
        )  # fmt: skip

    def test_request_endorse_approve_activate_and_sign_in_with_a_code(self) -> None:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            applicant = browser.new_context(java_script_enabled=False).new_page()
            applicant.goto(f"{self.live_server_url}/accounts/login/")
            applicant.get_by_role("link", name="No account yet? Request access").click()
            applicant.get_by_label("First name").fill("Inès")
            applicant.get_by_label("Last name").fill("Durand")
            applicant.get_by_label("Professional e-mail address").fill("ines.durand@douane.example.org")
            applicant.get_by_label("Administration").select_option(label="French Customs")
            applicant.get_by_label("Position").fill("Inspectrice, Le Havre")
            applicant.get_by_label("Why do you need access?").fill("Port officer in DEMETER-2026.")
            applicant.get_by_role("button", name="Send the request").click()
            applicant.get_by_text("Your request goes to your administration's national contact point").wait_for()

            review = _path(self.inbox.wait_for("claire@example.org")[0], r"/accounts/access-requests/\d+/")
            ncp = self.sign_in(browser, "claire", PASSWORD)
            ncp.goto(f"{self.live_server_url}{review}")
            ncp.get_by_text("Port officer in DEMETER-2026.").wait_for()
            ncp.get_by_role("button", name="Endorse").click()
            ncp.get_by_text("Request endorsed; the secretariat decides next.").wait_for()

            self.inbox.wait_for("amina@example.org")
            secretariat = self.sign_in(browser, "amina", PASSWORD)
            secretariat.goto(f"{self.live_server_url}/accounts/access-requests/")
            secretariat.get_by_role("link", name="Inès Durand").click()
            secretariat.get_by_label("Role").select_option(label="Officer")
            secretariat.get_by_role("button", name="Approve and send the activation link").click()
            secretariat.get_by_text("Request approved; the activation link is on its way.").wait_for()

            activation = self.inbox.wait_for("ines.durand@douane.example.org")[0]
            link = _path(activation, r"/accounts/activate/[^/\s]+/")
            assert "ines.durand" in activation.get_content()
            person = browser.new_context(java_script_enabled=False).new_page()
            person.goto(f"{self.live_server_url}{link}")
            assert person.locator(".qr svg").is_visible()
            secret = person.locator("#totp-secret").inner_text()
            person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
            person.get_by_label("New password again").fill(NEW_PASSWORD)
            person.get_by_label("Code from your authenticator app").fill(otp_code_for_secret(secret))
            person.get_by_role("button", name="Activate").click()
            person.get_by_text("Your account is ready.").wait_for()

            person.get_by_label("Username").fill("ines.durand")
            person.get_by_label("Password").fill(NEW_PASSWORD)
            person.get_by_role("button", name="Sign in").click()
            person.wait_for_url("**/accounts/login/code/")
            code = outside_playwright(lambda: otp_code(TOTPDevice.objects.get(user__username="ines.durand")))
            person.get_by_label("Code from your authenticator app").fill(code)
            person.get_by_role("button", name="Verify").click()
            person.wait_for_url(f"{self.live_server_url}/")
            person.get_by_role("button", name="Sign out ines.durand").wait_for()
            screenshot(person, "access-request-first-sign-in")

            reused = browser.new_context().new_page()
            reused.goto(f"{self.live_server_url}{link}")
            reused.get_by_text("This activation link has already been used.").wait_for()
            screenshot(reused, "activation-link-reused")
            browser.close()

        access_request = AccessRequest.objects.get()
        assert access_request.status == AccessRequestStatus.APPROVED
        assert access_request.endorsed_by == User.objects.get(username="claire")
        assert access_request.decided_by == User.objects.get(username="amina")
        assert User.objects.get(username="ines.durand").role == Role.OFFICER
