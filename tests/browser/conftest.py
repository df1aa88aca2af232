"""Real-browser fixtures: one headless Chromium for the browser tests, a fresh context and page per test.

Chromium is Debian's (/usr/bin/chromium), never one Playwright downloads. A test fails when the page
logs a console error or throws an uncaught exception, unless the test says it expects that message.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NOT_INSTALLED = "Chromium is not installed: apt-get install chromium chromium-driver (`.ci/run` does it)"
DESKTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # gitignored


@pytest.fixture(scope="package")
def chromium() -> Iterator:
    """One browser for the whole browser package (in practice, once per pytest session).

    Package scope rather than session: Playwright's sync API keeps an asyncio loop running in this
    thread while it is started, and Django refuses ORM calls from a thread with a running loop. The
    loop must stop before the rest of the suite runs; meanwhile DJANGO_ALLOW_ASYNC_UNSAFE lets these
    tests (and their database flushes) use the ORM. The live server thread has no loop of its own.
    """
    if sync_playwright is None or not CHROMIUM.exists():
        pytest.skip(NOT_INSTALLED)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()


# Known app noise, allowed everywhere until fixed: no page declares an icon, so Chromium asks for
# /favicon.ico once per browser and logs the 404 as a console error in whichever test comes first.
KNOWN_APP_NOISE: list[str] = []


@dataclass
class BrowserProblems:
    """Console errors and uncaught page errors seen during one test; `allow` names the expected ones."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=lambda: [re.compile(p) for p in KNOWN_APP_NOISE])

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.seen.append(
            f"console error on {page.url}: {msg.text} ({msg.location.get('url', '')})"))
        page.on("pageerror", lambda exc: self.seen.append(f"page error on {page.url}: {exc}"))

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(a.search(p) for a in self.allowed)]


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def new_page(chromium, transactional_db, live_server, browser_problems) -> Iterator[Callable]:
    """new_page(viewport=..., locale=...) → a page in a fresh context (no cookies), watched for errors.

    The default locale is zh-CN, the browser language of the people who use ServiceLoop. The pages are
    closed before the test database is emptied (this fixture depends on it, so it is torn down first),
    after their requests in flight (the bell's htmx load) have finished: a request arriving while the
    tables are flushed would lock them for the next test.
    """
    contexts = []

    def make(*, viewport: dict | None = None, locale: str = "zh-CN"):
        context = chromium.new_context(base_url=live_server.url, viewport=viewport or DESKTOP, locale=locale,
                                       timezone_id="Asia/Shanghai")
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        browser_problems.watch(page)
        return page

    yield make
    for context in contexts:
        for open_page in context.pages:
            with contextlib.suppress(Exception):  # a page that never settles is closed anyway
                open_page.wait_for_load_state("networkidle", timeout=3_000)
        context.close()
    problems = browser_problems.unexpected()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def live_world(transactional_db, live_server):
    """The shared personas, committed so that the live server's thread sees them."""
    from tests.personas import build_world

    return build_world()


def chinese_font_installed() -> bool:
    """Whether Chromium can draw Chinese here (the stylesheet names Noto Sans CJK SC among others)."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())
