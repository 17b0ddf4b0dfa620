"""The agent inbox in a real browser: the operating system's Chromium (Debian's `chromium`, which
`make setup` installs), driven by Playwright, against the local stack the integration tests use (one
per pytest session, tests/conftest.py) and the same agent desk (tests/integration/agent_desk.py).

Each agent gets a fresh browser context (its own storage, as a separate browser profile would).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from carebird_ops.local.endpoints import StackEndpoints
from tests.conftest import REPO
from tests.integration.agent_desk import PASSWORD, Desk, open_desk, stack_env

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Where the tests save their screenshots: build/screenshots (ignored by git) unless CAREBIRD_SCREENSHOTS
# names another folder; `make screenshots` points it at docs/screenshots, the README's pictures.
SCREENSHOTS = Path(os.environ.get("CAREBIRD_SCREENSHOTS") or REPO / "build" / "screenshots")
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Flags that work on a headless CI machine with no GPU, no sandbox privileges and no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
EXPECT_TIMEOUT_MS = 30_000  # a loaded 2-core machine runs the stack's Lambda sandboxes slowly


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: `make setup` installs it (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail(f"no {AXE}: `make setup` installs the npm packages")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (--user-data-dir) and runs headless.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def desk(local_stack: StackEndpoints) -> Iterator[Desk]:
    with stack_env(local_stack):
        desk = open_desk(local_stack)
        warm(desk.stack.agent_inbox)
        yield desk


def warm(url: str, sandboxes: int = 4) -> None:
    """A page load asks for several files at once; the local stack starts one Lambda sandbox (a Python
    process) for each, as Lambda would. Start them before the first page so no test waits for cold starts
    on a busy machine."""
    with ThreadPoolExecutor(sandboxes) as pool:
        for answer in pool.map(lambda _: requests.get(f"{url}config.json", timeout=120), range(sandboxes)):
            answer.raise_for_status()


class Agent:
    """One person at the inbox: their own browser context and page."""

    def __init__(self, context: Any, url: str, agent_id: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.url = url
        self.agent_id = agent_id
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def sign_in(self, password: str = PASSWORD) -> None:
        self.page.goto(self.url)
        self.page.get_by_label("Username").fill(self.agent_id)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.cases().wait_for()

    def cases(self) -> Any:
        return self.page.get_by_role("list", name="Cases")

    def case_entry(self, handle: str) -> Any:
        return self.cases().get_by_role("link").filter(has_text=f"@{handle}")

    def open_case(self, handle: str) -> None:
        self.case_entry(handle).first.click()
        self.page.get_by_label("Reply").or_(self.page.get_by_role("button", name="Reopen")).wait_for()

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the page as it is now (the axe script is injected into the page)."""
        self.page.add_script_tag(path=str(AXE))
        violations: list[dict[str, Any]] = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')),
               }))"""
        )
        return violations


FAILURES = REPO / ".carebird" / "browser-failures"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def agent(browser: Any, desk: Desk, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Agent]]:
    """Opens a browser context for an agent. When the test fails, each agent's page is saved as a
    screenshot in .carebird/browser-failures/ to show what the agent saw."""
    contexts: list[Any] = []

    def open_as(agent_id: str) -> Agent:
        # bypass_csp lets the test inject axe-core; the page's own defence against customer text is
        # rendering it as text, which the XSS test checks without the CSP's help.
        context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(60_000)
        contexts.append(context)
        return Agent(context, desk.stack.agent_inbox, agent_id)

    yield open_as
    if request.node.stash.get(_FAILED, False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(FAILURES / f"{request.node.name}-{i}.png"), full_page=True)
    for context in contexts:
        context.close()


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]
