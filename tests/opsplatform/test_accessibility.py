"""Accessible pages: axe-core, injected into the main pages as each role sees them, finds nothing serious.

axe-core comes from npm (``package.json``; ``npm ci`` installs it under ``node_modules/``). Moderate and
minor findings are printed, not failed on: the bar the platform holds is no serious or critical one.
"""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser import BrowserTestCase, launch, needs_chromium
from tests.opsplatform.demo_site import demo_seed, session_cookies

pytestmark = [pytest.mark.browser, needs_chromium]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
#: Rules whose "needs review" results count as violations here. axe cannot tell whether an element that
#: an ARIA attribute points to will still be added by a script; on these server-rendered pages it never is.
REVIEWED_AS_VIOLATIONS = {"aria-valid-attr-value"}

#: Who signs in, and the pages then checked besides their home page.
PAGES_BY_ROLE = {
    "secretariat": [],
    "coordinator": ["workspace", "seizure detail", "seizure list", "report page", "report edition", "regional view"],
    "ncp.fr": [],
    "officer.fr": ["filing form", "channel inbox", "new post", "library", "HS search"],
    "analyst": ["regional view"],
    "observer": [],
}


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's violations on the page as it stands, each with its impact and the elements at fault."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    return results["violations"] + [item for item in results["incomplete"] if item["id"] in REVIEWED_AS_VIOLATIONS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  [{item['impact']}] {item['id']}: {item['help']} -> "
        + "; ".join(" ".join(node["target"]) for node in item["nodes"][:5])
        for item in violations
    )


class AccessibilityTest(BrowserTestCase):
    def setUp(self) -> None:
        if not AXE.exists():
            pytest.fail(
                f"axe-core is missing ({AXE}): run `npm ci --no-audit --no-fund` at the repository root "
                "(`make test` does it when node_modules/ is missing)",
                pytrace=False,
            )
        self.site = demo_seed()

    def test_main_pages_have_no_serious_or_critical_violation(self) -> None:
        found: dict[str, list[dict]] = {}
        cookies = {username: session_cookies(self.live_server_url, username) for username in PAGES_BY_ROLE}
        with sync_playwright() as playwright:
            browser = launch(playwright)
            # axe-core goes in as an inline script, which the pages' Content-Security-Policy rightly refuses.
            page = browser.new_context(bypass_csp=True).new_page()
            page.goto(f"{self.live_server_url}{self.site.path('login')}")
            found["login"] = axe_violations(page)
            page.context.close()
            for username, names in PAGES_BY_ROLE.items():
                context = browser.new_context(bypass_csp=True)
                context.add_cookies(cookies[username])
                page = context.new_page()
                for name in ["home", *names]:
                    response = page.goto(f"{self.live_server_url}{self.site.path(name)}")
                    assert response.ok, f"{name} ({username}): HTTP {response.status}"
                    assert page.url.endswith(self.site.path(name)), f"{name} ({username}) ended at {page.url}"
                    found[f"{name} ({username})"] = axe_violations(page)
                page.context.close()
            browser.close()

        report = "\n".join(f"{page_name}:\n{describe(items)}" for page_name, items in found.items() if items)
        if report:
            print(f"\naxe-core findings:\n{report}")
        blocking = {
            page_name: [item for item in items if item["impact"] in BLOCKING] for page_name, items in found.items()
        }
        blocking = {page_name: items for page_name, items in blocking.items() if items}
        if blocking:
            pytest.fail(
                "serious or critical accessibility violations:\n"
                + "\n".join(f"{page_name}:\n{describe(items)}" for page_name, items in blocking.items())
            )
