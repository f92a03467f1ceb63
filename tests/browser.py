"""Playwright driving Debian's chromium for user journeys; no browser is ever downloaded."""

import os
import shutil
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase

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
        page.wait_for_url(f"{self.live_server_url}/")
        return page
