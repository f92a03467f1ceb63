"""Light pages: the main pages weigh under 100 KB on a first load and under 20 KB on a repeat visit.

Bytes are counted as Chromium received them (``encodedDataLength``: compressed bodies plus headers)
for the document and every subresource, and WebSocket frames, through the DevTools protocol.

Static files are served as in production: collected by ``CompressedManifestStaticFilesStorage`` (hashed
names, gzip variants, and Brotli ones where brotli is installed) and served by WhiteNoise, which marks
hashed files immutable for ten years, so a repeat visit downloads the page's HTML (and anything dynamic)
only. The test settings would not show that: they serve unhashed files through the finders (WhiteNoise
gives them ``max-age=60``), and Channels' live server answers ``/static/`` itself, without any cache
header. So this class collects the files into a temporary root and serves them through a fresh ASGI
handler under overridden settings, which the live server's process inherits because it is forked after
they are in place.
"""

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import sync_playwright

from tests.browser import BrowserTestCase, launch, needs_chromium
from tests.opsplatform.demo_site import demo_seed, session_cookies

pytestmark = [pytest.mark.browser, needs_chromium]

FIRST_LOAD_LIMIT = 100_000
REPEAT_LIMIT = 20_000
#: Hashed static files must be cacheable for at least a year (WhiteNoise says ten, and ``immutable``).
ONE_YEAR = 365 * 24 * 3600

#: (page, who looks at it): a frontline officer's pages, and the coordinator's where they are heavier
#: (every seizure of the operation in the list, the form that generates an edition on the report page).
PAGES = [
    ("login", None),
    ("home", "officer.fr"),
    ("workspace", "officer.fr"),
    ("filing form", "officer.fr"),
    ("seizure list", "coordinator"),
    ("channel inbox", "officer.fr"),
    ("report page", "coordinator"),
]


def production_static_application(application):  # type: ignore[no-untyped-def]
    """Takes the place of Channels' test static handler: a fresh Django ASGI handler for HTTP, whose
    WhiteNoise middleware reads the collected, hashed files as in production; WebSockets unchanged."""
    from channels.routing import ProtocolTypeRouter
    from django.core.asgi import get_asgi_application

    return ProtocolTypeRouter({"http": get_asgi_application(), "websocket": application})


FAVICON = Path(__file__).resolve().parents[2] / "opsplatform" / "static" / "favicon.svg"


@dataclass
class Transfer:
    """What one navigation brought over the network, per request."""

    urls: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    answered: dict[str, int] = field(default_factory=dict)
    frames: int = 0

    @property
    def total(self) -> int:
        return sum(self.sizes.values()) + self.frames

    def pending(self) -> set[str]:
        return set(self.urls) - set(self.sizes) - self.failed

    def by_url(self) -> dict[str, int]:
        return {self.urls[request]: size for request, size in self.sizes.items()}


def measure(page, url: str, *, wait_until: str = "load") -> Transfer:  # type: ignore[no-untyped-def]
    """Navigates ``page`` to ``url`` and counts the bytes received until the network is quiet.

    Lazy images start after the load event: ``networkidle`` (no request for 500 ms) makes sure a first load
    counts them all; after ``load``, requests are awaited until none is in flight and none has started for 50 ms.
    """
    transfer = Transfer()

    def sent(event) -> None:  # type: ignore[no-untyped-def]
        if event["request"]["url"].startswith("http"):  # data: URLs cost nothing
            transfer.urls[event["requestId"]] = event["request"]["url"]

    def answered(event) -> None:  # type: ignore[no-untyped-def]
        if event["requestId"] in transfer.urls:
            transfer.headers[event["requestId"]] = {
                key.lower(): value for key, value in event["response"]["headers"].items()
            }
            transfer.answered[event["requestId"]] = int(event["response"].get("encodedDataLength", 0))

    def finished(event) -> None:  # type: ignore[no-untyped-def]
        if event["requestId"] in transfer.urls:
            transfer.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def failed(event) -> None:  # type: ignore[no-untyped-def]
        if event["requestId"] in transfer.urls:
            transfer.failed.add(event["requestId"])

    def frame(event) -> None:  # type: ignore[no-untyped-def]
        transfer.frames += len(event["response"]["payloadData"].encode())

    cdp = page.context.new_cdp_session(page)
    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", answered)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    cdp.on("Network.webSocketFrameReceived", frame)
    cdp.send("Network.enable")
    page.goto(url, wait_until=wait_until)
    assert page.url == url, f"{url} ended at {page.url}"
    seen, deadline = -1, time.monotonic() + 10
    while (transfer.pending() or seen != len(transfer.urls)) and time.monotonic() < deadline:
        seen = len(transfer.urls)
        page.wait_for_timeout(50)
    cdp.detach()
    # Chromium fetches the favicon outside the page and does not always report its end: an answered request
    # counts its headers and declared body.
    for request in transfer.pending() & set(transfer.answered):
        body = transfer.headers[request].get("content-length", "0")
        transfer.sizes[request] = transfer.answered[request] + (int(body) if body.isdigit() else 0)
    for request in transfer.pending():
        if "/favicon." in transfer.urls[request]:  # not answered yet: it weighs what the file weighs
            transfer.sizes[request] = FAVICON.stat().st_size
    assert not transfer.pending(), f"{url}: still loading after 10 s: {[transfer.urls[r] for r in transfer.pending()]}"
    assert not transfer.failed, f"{url}: requests failed: {[transfer.urls[r] for r in transfer.failed]}"
    return transfer


class PageWeightTest(BrowserTestCase):
    static_wrapper = production_static_application

    @classmethod
    def setUpClass(cls) -> None:
        static_root = Path(tempfile.mkdtemp(prefix="page-weight-static-", dir=settings.MEDIA_ROOT.parent))
        production_static = override_settings(
            STATIC_ROOT=static_root,
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
            },
            WHITENOISE_USE_FINDERS=False,
            WHITENOISE_AUTOREFRESH=False,
        )
        production_static.enable()
        cls.addClassCleanup(shutil.rmtree, static_root, ignore_errors=True)
        cls.addClassCleanup(production_static.disable)
        # The pages use the platform's own files; the admin's and Swagger's would only slow collection down.
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            ignore_patterns=["admin", "rest_framework", "drf_spectacular_sidecar"],
        )
        super().setUpClass()

    def setUp(self) -> None:
        self.site = demo_seed()

    def test_first_loads_and_repeat_visits_stay_light(self) -> None:
        rows = []
        cookies = {user: session_cookies(self.live_server_url, user) for _name, user in PAGES if user}
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for name, username in PAGES:
                url = f"{self.live_server_url}{self.site.path(name)}"
                context = browser.new_context()
                context.add_cookies(cookies[username] if username else [])
                page = context.new_page()
                first = measure(page, url, wait_until="networkidle")
                page.goto("about:blank")  # leave, so that nothing of the first visit is still loading
                repeat = measure(page, url)
                context.close()
                rows.append((name, username or "anonymous", first, repeat))
            browser.close()

        table = "\n".join(
            [f"{'page':<14} {'signed in as':<13} {'requests':>8} {'first load':>11} {'repeat':>8}"]
            + [
                f"{name:<14} {user:<13} {len(first.sizes):>8} {first.total:>11,} {repeat.total:>8,}"
                for name, user, first, repeat in rows
            ]
        )
        print(f"\nBytes transferred (compressed, with headers):\n{table}")

        for name, user, first, repeat in rows:
            assert first.total < FIRST_LOAD_LIMIT, f"{name} ({user}) first load too heavy:\n{table}\n{first.by_url()}"
            assert repeat.total < REPEAT_LIMIT, f"{name} ({user}) repeat visit too heavy:\n{table}\n{repeat.by_url()}"
            statics = {r: h for r, h in first.headers.items() if "/static/" in first.urls[r]}
            assert statics, f"{name}: no static file loaded"
            for request, headers in statics.items():
                if first.urls[request].endswith((".css", ".js")):
                    assert headers.get("content-encoding") in {"gzip", "br"}, (first.urls[request], headers)
                assert "immutable" in headers.get("cache-control", ""), (first.urls[request], headers)
                max_age = int(headers["cache-control"].split("max-age=")[1].split(",")[0])
                assert max_age >= ONE_YEAR, (first.urls[request], headers)
            refetched = {url: size for url, size in repeat.by_url().items() if "/static/" in url and size}
            assert not refetched, f"{name}: static files downloaded again on a repeat visit: {refetched}"
            document = first.headers[next(iter(first.urls))]  # the navigation comes first
            assert document.get("content-encoding") == "gzip", f"{name}: HTML sent uncompressed: {document}"
