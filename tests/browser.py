"""Playwright driving Debian's chromium for user journeys; no browser is ever downloaded."""

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.db import connections

from tests.otp import otp_code, otp_code_for_secret

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's chromium (make test and .ci/run install it)"
)


def launch(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class BrowserTestCase(ChannelsLiveServerTestCase):
    """The whole platform (HTTP and WebSocket) served by daphne in a second process, for Playwright."""

    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls) -> None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def sign_in(self, browser, username: str, password: str, *, javascript: bool = True):  # type: ignore[no-untyped-def]
        """A new browser context signed in through the login page; returns its page on the home page."""
        page = browser.new_context(java_script_enabled=javascript).new_page()
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        self.pass_second_factor(page, username)
        page.wait_for_url(f"{self.live_server_url}/")
        return page

    def pass_second_factor(self, page, username: str) -> None:  # type: ignore[no-untyped-def]
        """After the password: enter the code the login page asks for, or set up the authenticator app first
        when the person's role requires one and they have none (reading the key the page shows)."""
        page.wait_for_load_state()
        if "/accounts/two-factor/" in page.url:
            secret = page.locator("#totp-secret").inner_text()
            page.get_by_label("Code from your authenticator app").fill(otp_code_for_secret(secret))
            page.get_by_role("button", name="Turn on").click()
        elif "/accounts/login/code/" in page.url:
            page.get_by_label("Code from your authenticator app").fill(outside_playwright(lambda: _code(username)))
            page.get_by_role("button", name="Verify").click()


def _code(username: str) -> str:
    from accounts.models import User
    from tests.otp import otp_device

    return otp_code(otp_device(User.objects.get(username=username)))


def outside_playwright(read: Callable[[], Any]) -> Any:
    """Run database reads in a thread of their own, closing its connection: the ORM inside Playwright's
    greenlet would open a connection that nothing closes."""

    def run() -> Any:
        try:
            return read()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
