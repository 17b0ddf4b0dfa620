"""The agent inbox in Chromium against the local stack: sign-in, the case list and its countdowns, a
claimed case answered with a long reply that X gets as a numbered thread, collisions between two agents,
a supervisor, customer text that tries to run script, and a send that fails and is retried once.

The first test also retakes the README's screenshots (docs/screenshots/ under `make screenshots`) and
checks each page with axe-core: no serious or critical violation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from playwright.sync_api import expect

from tests.browser.conftest import EXPECT_TIMEOUT_MS, SCREENSHOTS, Agent, serious
from tests.conftest import carebird
from tests.integration.agent_desk import HANDLE, PASSWORD, Desk

expect.set_options(timeout=EXPECT_TIMEOUT_MS)

LONG_REPLY = (
    "Thanks for your patience, and sorry about the double charge on your subscription this month. "
    "I have checked your account: the second payment was a duplicate authorisation from our payment "
    "provider, and I have now cancelled it, so it will drop off your statement. Depending on your bank "
    "this takes three to five working days; you do not need to do anything else. If it is still there "
    "next week, reply here and we will send you a written confirmation for your bank straight away. "
    "Your plan, your invoices and your renewal date stay exactly as they were."
)


def report(page: str, violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])})" for v in violations) or "none"
    print(f"\naxe-core on the {page} page: {found}")
    return violations


def test_an_agent_claims_a_routed_case_and_replies_with_a_thread_on_x(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    case = desk.open_case(
        f"@{HANDLE} I was charged twice for my subscription this month, please refund 🙏",
        customer="itbrowser", due_in=timedelta(minutes=50),
    )  # fmt: skip
    desk.open_case(
        f"@{HANDLE} my invoice shows the wrong VAT number", customer="itvat", due_in=timedelta(minutes=12)
    )
    ana = agent("it-ana")
    ana.page.goto(ana.url)
    expect(ana.page.get_by_label("Username")).to_be_visible()
    assert serious(report("sign-in", ana.axe())) == []

    ana.sign_in()
    entry = ana.case_entry("itbrowser")
    expect(entry).to_contain_text(re.compile(r"On time: \d+m \d\ds left"))
    expect(ana.case_entry("itvat")).to_contain_text(re.compile(r"At risk: \d+m \d\ds left"))
    before = entry.inner_text()
    time.sleep(1.2)
    assert entry.inner_text() != before, "the countdown ticks"
    assert serious(report("case list", ana.axe())) == []
    ana.page.screenshot(path=str(SCREENSHOTS / "inbox.png"))

    entry.click()
    page = ana.page
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_text("Yours", exact=True)).to_be_visible()
    page.get_by_label("Reply").fill(LONG_REPLY)
    send = page.get_by_role("button", name=re.compile(r"^Send"))
    expect(page.locator("#reply-count")).to_contain_text("numbered thread")
    send.click()
    expect(page.get_by_text(re.compile(r"Delivered as a thread of \d posts")).first).to_be_visible()
    parts = desk.brand_replies_under(case.message_ids[0])
    assert len(parts) >= 2
    assert [re.search(r"(\d+)/(\d+)$", p["text"]).groups() for p in parts] == [  # type: ignore[union-attr]
        (str(i), str(len(parts))) for i in range(1, len(parts) + 1)
    ]
    expect(page.get_by_label("Reply")).to_have_value("")
    cost = page.get_by_role("table", name="What this conversation cost on X")
    expect(cost).to_contain_text(f"Posts \u00d7 {len(parts)}")  # her post read once, each part posted
    expect(cost).to_contain_text(f"Total${0.005 + 0.015 * len(parts):.2f}")
    assert serious(report("case view", ana.axe())) == []
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    assert ana.dialogs == []


def test_a_second_agent_sees_who_holds_the_case(agent: Callable[[str], Agent], desk: Desk) -> None:
    desk.open_case(f"@{HANDLE} refund still missing", customer="itcollide")
    ana, ben = agent("it-ana"), agent("it-ben")
    ana.sign_in()
    ben.sign_in()
    ana.open_case("itcollide")
    ben.open_case("itcollide")
    ana.page.get_by_role("button", name="Claim").click()
    expect(ana.page.get_by_text("Yours", exact=True)).to_be_visible()
    ben.page.get_by_role("button", name="Claim").click()  # ben's page still shows the case unclaimed
    expect(ben.page.get_by_role("alert")).to_contain_text("it-ana")
    ana.page.get_by_label("Reply").fill("Looking into it")
    expect(ben.page.get_by_role("status").filter(has_text=re.compile("is typing"))).to_be_visible()
    expect(ana.page.get_by_role("status").filter(has_text=re.compile("is viewing"))).to_be_visible()


def test_a_customer_x_returned_no_profile_for_is_named_by_account_id(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    case = desk.open_case(f"@{HANDLE} where is my refund", customer="itgone", profile=False)
    label = f"X user {case.customer.id}"
    ana = agent("it-ana")
    ana.sign_in()
    entry = ana.cases().get_by_role("link").filter(has_text=label)
    expect(entry).to_be_visible()
    expect(entry).not_to_contain_text("followers")  # unknown, not zero
    entry.click()
    expect(ana.page.get_by_role("heading", name=f"Answer {label}")).to_be_visible()
    expect(ana.page.get_by_text("No profile from X: followers unknown.")).to_be_visible()
    on_x = ana.page.get_by_role("link", name=label).first
    expect(on_x).to_have_attribute("href", f"https://x.com/i/user/{case.customer.id}")


def test_a_supervisor_works_a_case_in_any_queue_from_the_keyboard(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    desk.open_case(f"@{HANDLE} the app crashes on login", customer="ittech", queue="technical")
    sue = agent("it-sue")
    sue.sign_in()
    page = sue.page
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    sue.open_case("ittech")
    page.get_by_label("Internal note (agents only)").fill("Crash on login: asked engineering")
    page.keyboard.press("c")  # typed into the note box: no shortcut fires
    expect(page.get_by_role("button", name="Claim")).to_be_visible()
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Crash on login: asked engineering")).to_be_visible()
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("c")
    expect(page.get_by_text("Yours", exact=True)).to_be_visible()
    page.keyboard.press("e")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    assert sue.dialogs == []


def test_an_expired_session_signs_in_again_over_the_page_and_keeps_the_draft(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    desk.open_case(f"@{HANDLE} refund please", customer="itexpired")
    ana = agent("it-ana")
    ana.sign_in()
    ana.open_case("itexpired")
    page = ana.page
    page.get_by_label("Reply").fill("Half-written answer")
    # The tokens expire (and the refresh token is no longer good) while the case is open.
    page.evaluate(
        """() => { const s = JSON.parse(localStorage.getItem('carebird.session'));
                   localStorage.setItem('carebird.session', JSON.stringify(
                     {...s, idToken: 'expired.' + s.idToken.slice(8), refreshToken: 'revoked'})); }"""
    )
    page.reload()
    again = page.get_by_role("dialog", name="Sign in again")
    expect(again).to_be_visible()
    again.get_by_label("Password").fill(PASSWORD)
    again.get_by_role("button", name="Sign in").click()
    expect(again).to_have_count(0)
    expect(page.get_by_label("Reply")).to_have_value("Half-written answer")


def test_customer_text_that_tries_to_run_script_is_shown_as_text(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    evil = f"@{HANDLE} <img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3) مرحبا 🙂"
    desk.open_case(evil + " https://example.com/help", customer="itxss")  # X makes the link a t.co link
    ana = agent("it-ana")
    ana.sign_in()
    ana.open_case("itxss")
    page = ana.page
    message = page.get_by_role("list", name="Conversation").locator("p.text").first
    expect(message).to_contain_text(evil)
    assert message.get_attribute("dir") == "auto"
    assert page.locator(".conversation img, .conversation script").count() == 0
    links = message.get_by_role("link")
    expect(links).to_have_count(1)
    assert re.fullmatch(r"https://t\.co/\w+", links.first.get_attribute("href") or "")
    page.wait_for_timeout(500)
    assert ana.dialogs == []


def test_a_failed_send_keeps_the_draft_and_retry_posts_once(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    case = desk.open_case(f"@{HANDLE} where is my refund", customer="itretry")
    ana = agent("it-ana")
    ana.sign_in()
    ana.open_case("itretry")
    page = ana.page
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_text("Yours", exact=True)).to_be_visible()
    keys: list[str | None] = []

    def watch(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/replies"):
            keys.append(request.headers.get("idempotency-key"))

    page.on("request", watch)
    page.get_by_label("Reply").fill("We are on it: the refund is on its way.")
    desk.x.set_faults([{"match": "createPosts", "error_p": 1.0, "error_statuses": [503]}])
    try:
        page.get_by_role("button", name=re.compile(r"^Send")).click()
        # Delivery tries X three times, then checks whether X posted it anyway: allow it time.
        expect(page.get_by_role("button", name="Retry")).to_be_visible(timeout=90_000)
    finally:
        desk.x.clear_faults()
    expect(page.get_by_label("Reply")).to_have_value("We are on it: the refund is on its way.")
    page.reload()  # the draft and its pending send survive a reload
    expect(page.get_by_label("Reply")).to_have_value("We are on it: the refund is on its way.")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("Delivered.")).to_be_visible()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    replies = desk.brand_replies_under(case.message_ids[0])
    assert [r["text"] for r in replies] == ["We are on it: the refund is on its way."]


def test_first_load_is_small(agent: Callable[[str], Agent], desk: Desk) -> None:
    """What an agent's browser fetches to show the case list, from an empty cache, and how long it takes."""
    ana = agent("it-ana")
    ana.sign_in()
    page = ana.page
    ana.context.clear_cookies()
    cdp = ana.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: dict[str, int] = {}
    cdp.on(
        "Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], int(e["encodedDataLength"]))
    )
    started = time.monotonic()
    page.reload()
    ana.cases().get_by_role("link").first.wait_for()
    elapsed = time.monotonic() - started
    page.wait_for_timeout(300)
    total = sum(received.values())
    print(f"\ninbox first load: {total} bytes in {len(received)} requests, case list after {elapsed:.2f} s")
    assert total < 400_000, total
    assert requests.get(desk.stack.agent_inbox, timeout=10).headers["Cache-Control"] == "no-cache"


def test_a_first_sign_in_sets_a_new_password_and_sign_out_ends_the_session(
    agent: Callable[[str], Agent], desk: Desk
) -> None:
    added = carebird(
        "agent", "add", "--brand", HANDLE, "--id", "it-newbie", "--skills", "billing",
        "--password", "Temporary-Passw0rd", "--temporary-password",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    newbie = agent("it-newbie")
    page = newbie.page
    page.goto(newbie.url)
    page.get_by_label("Username").fill("it-newbie")
    page.get_by_label("Password").fill("Temporary-Passw0rd")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("New password", exact=True).fill("My-Own-Passw0rd-1")
    page.get_by_label("Repeat the new password").fill("My-Own-Passw0rd-1")
    page.get_by_role("button", name="Set password and sign in").click()
    newbie.cases().wait_for()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()  # signed out stays signed out
    expect(page.get_by_label("Username")).to_be_visible()
    newbie.sign_in("My-Own-Passw0rd-1")
