"""Page weight: compressed bytes Chromium receives for three pages, first load and repeat visit.

Served as in production: nginx in front of gunicorn, static files collected (hashed, compressed) and served
by WhiteNoise, the production settings. Bytes are Chromium's ``encodedDataLength`` of the document and every
subresource (compressed bodies plus headers), counted by the page-weight test's own ``measure``.
"""

import os
from typing import Any

from bench.harness import BenchEnv, Figure
from bench.run import cluster
from cluster.run import log

FORM_FIRST_LIMIT = 60_000
FORM_REPEAT_LIMIT = 15_000
WARM_TIMEOUT_MS = 120_000
#: (page, who looks at it)
PAGES = [("login page", None), ("operation workspace", "officer.fr"), ("seizure form", "officer.fr")]


def _paths() -> dict[str, str]:
    from operations.models import Operation
    from opsplatform.management.commands.seed_demo import DEMO_SEIZURES

    operation = Operation.objects.get(code=DEMO_SEIZURES[0])
    return {
        "login page": "/accounts/login/",
        "operation workspace": f"/operations/{operation.pk}/",
        "seizure form": f"/seizures/file/{operation.pk}/",
    }


def _cookies(url: str, username: str) -> list[dict[str, Any]]:
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    return [
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": user.language, "url": url},
    ]


def run(env: BenchEnv) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch
    from tests.opsplatform.test_page_weight import measure

    base = cluster().url
    paths = _paths()
    cookies = {user: _cookies(base, user) for _page, user in PAGES if user}
    measured: list[tuple[str, int, int, int]] = []
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for name, username in PAGES:
                url = base + paths[name]
                # A throwaway visit first, so that what the server renders once and caches (the workspace's
                # charts) is not counted as slowness; the bytes measured are those of a fresh browser.
                warm = browser.new_context()
                warm.add_cookies(cookies[username] if username else [])  # type: ignore[arg-type]
                warm.new_page().goto(url, wait_until="networkidle", timeout=WARM_TIMEOUT_MS)
                warm.close()
                context = browser.new_context()
                context.add_cookies(cookies[username] if username else [])  # type: ignore[arg-type]
                page = context.new_page()
                first = measure(page, url, wait_until="networkidle")
                page.goto("about:blank")
                repeat = measure(page, url)
                context.close()
                measured.append((name, len(first.sizes), first.total, repeat.total))
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    figures = []
    for name, requests, first_bytes, repeat_bytes in measured:
        log(f"pages: {name}: {requests} requests, first load {first_bytes:,} B, repeat {repeat_bytes:,} B")
        graded = name == "seizure form"
        figures += [
            Figure("pages", f"{name}, first load ({requests} requests)", first_bytes / 1000, "KB",
                   target=f"<= {FORM_FIRST_LIMIT // 1000} KB" if graded else "",
                   passed=first_bytes <= FORM_FIRST_LIMIT if graded else None),
            Figure("pages", f"{name}, repeat load", repeat_bytes / 1000, "KB",
                   target=f"<= {FORM_REPEAT_LIMIT // 1000} KB" if graded else "",
                   passed=repeat_bytes <= FORM_REPEAT_LIMIT if graded else None),
        ]  # fmt: skip
    return figures
