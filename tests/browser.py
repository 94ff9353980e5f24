"""Headless Chromium for the browser tests: Debian's chromium, driven by Playwright."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TABLET_PORTRAIT = {"width": 768, "height": 1024}


def chromium_or_skip():
    """Skip where no Chromium is installed, except where RCBINGO_REQUIRE_BROWSER says it must be (CI)."""
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        if os.environ.get("RCBINGO_REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed: apt-get install chromium chromium-driver")
        pytest.skip("Chromium is not installed (make browser installs it)")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def serious_accessibility_violations(page) -> list[str]:
    """What axe-core finds at 'serious' or 'critical' impact on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
