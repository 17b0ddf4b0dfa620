"""Replies: whole, once, in the customer's thread, with a delivery status on the case, and the SLA clock.
And the preview: what a reply would become on X, sending nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carebird.cases.model import Channel
from carebird.outbound.text import split_thread, weighted_length
from tests.support.casework_fakes import CaseWorld
from tests.support.outbound_fakes import CUSTOMER_ID
from tests.unit.agent_api.conftest import Api

LONG = " ".join(
    f"Step {i}: open https://acme.example.com/help/refunds/{i} and check the charge 💳 退款."
    for i in range(1, 9)
)


def test_a_reply_lands_under_the_customers_post_and_stops_the_first_response_clock(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case(assignee="ana", due_in=timedelta(minutes=15), first_response_task_token="tok-1")
    world.clock.advance(600)
    answer = api.post(f"/cases/{case.id}/replies", {"text": "Hi Alice, the refund is on its way."})
    assert answer.status == 201
    assert answer.body["status"] == "sent" and answer.body["channel"] == "public"
    (post,) = world.x.thread_under(case.message_ids[0])
    assert answer.body["x_ids"] == [post.id] and post.text == "Hi Alice, the refund is on its way."
    body = api.get(f"/cases/{case.id}").body
    assert body["status"] == "pending_customer"
    assert body["sla"] == {
        "name": "first_response", "state": "met", "started_at": body["first_message_at"],
        "due_at": body["first_response_due"], "stopped_at": body["first_response_at"], "met": True,
        "seconds_left": None, "next_response": None, "resolution": None,
    }  # fmt: skip
    assert body["sla_met"] is True
    assert body["reasons"][-1]["kind"] == "first_response" and "600 s after" in body["reasons"][-1]["reason"]
    out = [m for m in body["thread"] if m["direction"] == "out"][-1]
    assert out["direction"] == "out" and out["delivery"]["status"] == "sent"
    assert world.signal.sent == [
        ("tok-1", {"case_id": case.id, "first_response_at": body["first_response_at"].replace("Z", "+00:00"),
                   "sla_met": True, "agent_id": "ana"}),
    ]  # fmt: skip
    assert world.cases.cases[case.id].first_response_task_token is None
    assert world.metrics.values["TimeToFirstResponse"] == [600.0]


def test_a_late_first_reply_records_the_breach_and_a_second_reply_changes_nothing(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case(assignee="ana", due_in=timedelta(minutes=15))
    world.clock.advance(3600)
    assert api.post(f"/cases/{case.id}/replies", {"text": "Sorry for the wait."}).status == 201
    first = api.get(f"/cases/{case.id}").body
    assert first["sla_met"] is False and first["sla"]["state"] == "breached"
    assert world.metrics.total("FirstResponsesLate") == 1
    world.clock.advance(60)
    assert api.post(f"/cases/{case.id}/replies", {"text": "Anything else?"}).status == 201
    second = api.get(f"/cases/{case.id}").body
    assert second["first_response_at"] == first["first_response_at"]
    assert world.metrics.total("FirstResponsesLate") == 1
    assert [m["direction"] for m in second["thread"]] == ["in", "out", "out"]


def test_a_long_reply_becomes_a_numbered_thread_counted_as_x_counts(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    answer = api.post(f"/cases/{case.id}/replies", {"text": LONG})
    assert answer.status == 201
    parts = answer.body["parts"]
    assert len(parts) >= 2
    chain = world.x.thread_under(case.message_ids[0])  # each part replies to the one before
    assert [p.id for p in chain] == answer.body["x_ids"]
    n = len(parts)
    for i, post in enumerate(chain, 1):
        assert post.text.endswith(f" {i}/{n}")
        assert weighted_length(post.text) <= 280
    assert " ".join(p.text.rsplit(" ", 1)[0] for p in chain) == LONG


def test_a_reply_needs_the_claim(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    unclaimed = api.post(f"/cases/{case.id}/replies", {"text": "hello"})
    assert unclaimed.status == 409 and unclaimed.body["error"]["code"] == "not_claimed"
    api.post(f"/cases/{case.id}/claim", agent="ben")
    taken = api.post(f"/cases/{case.id}/replies", {"text": "hello"})
    assert taken.status == 409 and taken.body["error"]["holder"] == "ben"
    assert not world.x.brand_posts()


def test_xs_reply_rule_is_a_clear_422_and_the_failure_shows_on_the_case(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana", mentions_brand=False)
    answer = api.post(f"/cases/{case.id}/replies", {"text": "Can we help?"})
    assert answer.status == 422
    assert answer.body["error"]["code"] == "reply_not_allowed"
    assert "mentioned or quoted @AcmeHelp" in answer.body["error"]["message"]
    assert answer.body["reply"]["status"] == "failed"
    body = api.get(f"/cases/{case.id}").body
    # The test clock stands still, so the reply and the customer's post share a timestamp: find the reply.
    [delivery] = [m["delivery"] for m in body["thread"] if m["direction"] == "out"]
    assert delivery["status"] == "failed" and delivery["error_code"] == "reply_not_allowed"
    assert body["first_response_at"] is None and body["sla"]["state"] == "running"
    assert body["status"] == "assigned"


def test_a_dm_reply_where_the_customer_refuses_dms_fails_visibly(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    world.x.closed_dms.add(CUSTOMER_ID)
    answer = api.post(f"/cases/{case.id}/replies", {"text": "Details by DM", "channel": "dm"})
    assert answer.status == 422 and answer.body["error"]["code"] == "dm_not_allowed"
    world.x.closed_dms.clear()
    sent = api.post(f"/cases/{case.id}/replies", {"text": "Details by DM", "channel": "dm"})
    assert sent.status == 201 and sent.body["channel"] == "dm"
    assert [dm.recipient_id for dm in world.x.dms] == [CUSTOMER_ID]
    assert not world.x.brand_posts()


def test_a_dm_case_has_no_public_thread_to_reply_in(api: Api, world: CaseWorld) -> None:
    case = world.open_case(channel=Channel.DM, assignee="ana")
    public = api.post(f"/cases/{case.id}/replies", {"text": "hi", "channel": "public"})
    assert public.status == 422 and "reply by DM" in public.body["error"]["message"]
    assert api.post(f"/cases/{case.id}/replies", {"text": "hi"}).status == 201  # the case's channel: DM


def test_a_retried_request_with_the_same_key_posts_once(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    key = {"Idempotency-Key": "retry-me-1"}
    first = api.post(f"/cases/{case.id}/replies", {"text": "Refund issued."}, headers=key)
    second = api.post(f"/cases/{case.id}/replies", {"text": "Refund issued."}, headers=key)
    assert first.status == second.status == 201
    assert first.body == second.body
    assert len(world.x.brand_posts()) == 1 and world.x.calls["post"] == 1
    reused = api.post(f"/cases/{case.id}/replies", {"text": "Something else."}, headers=key)
    assert reused.status == 422 and reused.body["error"]["code"] == "idempotency_key_reused"
    other_key = api.post(
        f"/cases/{case.id}/replies", {"text": "Refund issued, again."}, headers={"Idempotency-Key": "k2"}
    )
    assert other_key.status == 201 and len(world.x.brand_posts()) == 2


def test_x_unavailable_is_503_and_the_retry_with_the_same_key_sends_it_once(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case(assignee="ana")
    world.x.script = ["connect", "connect", "connect"]  # X unreachable for every attempt of this request
    key = {"Idempotency-Key": "x-down"}
    down = api.post(f"/cases/{case.id}/replies", {"text": "We are on it."}, headers=key)
    assert down.status == 503 and down.headers["Retry-After"]
    assert down.body["error"]["code"] == "x_unavailable" and down.body["reply"]["status"] == "failed"
    shown = [m for m in api.get(f"/cases/{case.id}").body["thread"] if m["direction"] == "out"][-1][
        "delivery"
    ]
    assert shown["status"] == "failed" and shown["error_code"] == "x_unavailable"
    retried = api.post(f"/cases/{case.id}/replies", {"text": "We are on it."}, headers=key)
    assert retried.status == 201 and retried.body["status"] == "sent"
    assert len(world.x.brand_posts()) == 1
    replies = [m for m in api.get(f"/cases/{case.id}").body["thread"] if m["direction"] == "out"]
    assert replies[-1]["delivery"]["status"] == "sent"


def test_a_post_whose_answer_was_lost_is_pending_then_found_on_x_not_posted_again(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case(assignee="ana")
    world.x.script = ["503-after"]  # X creates the post and the answer never arrives
    world.x.lookup_script = ["503"]  # and X cannot be asked whether it did
    key = {"Idempotency-Key": "lost-answer"}
    unsure = api.post(f"/cases/{case.id}/replies", {"text": "We are on it."}, headers=key)
    assert unsure.status == 202 and unsure.body["status"] == "pending" and unsure.body["error"]
    assert api.get(f"/cases/{case.id}").body["first_response_at"] is None
    retried = api.post(f"/cases/{case.id}/replies", {"text": "We are on it."}, headers=key)
    assert retried.status == 201 and retried.body["status"] == "sent"
    assert len(world.x.thread_under(case.message_ids[0])) == 1  # found on X, not posted again
    assert world.x.calls["post"] == 1
    assert api.get(f"/cases/{case.id}").body["first_response_at"] is not None


def test_html_in_a_reply_is_sent_and_returned_as_text(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    text = "<img src=x onerror=alert(1)> & </script>"
    answer = api.post(f"/cases/{case.id}/replies", {"text": text})
    assert answer.status == 201 and answer.body["text"] == text
    assert world.x.brand_posts()[0].text == text


def test_a_later_reply_stops_the_next_response_clock_and_pauses_resolution_until_the_customer_writes(
    api: Api, world: CaseWorld
) -> None:
    now = world.clock.now()
    case = world.open_case(
        assignee="ana",
        first_response_at=now,
        sla_met=True,
        next_response_since=now,
        next_response_due=now + timedelta(minutes=120),
        next_response_at_risk_at=now + timedelta(minutes=96),
        resolution_window_s=480 * 60.0,
        resolution_due=now + timedelta(minutes=400),
        resolution_at_risk_at=now + timedelta(minutes=304),
        clock_tokens={"next_response": "tok-next", "resolution": "tok-res"},
    )
    world.clock.advance(600)
    assert api.post(f"/cases/{case.id}/replies", {"text": "Sorted: the refund is on its way."}).status == 201
    body = api.get(f"/cases/{case.id}").body
    assert body["status"] == "pending_customer"
    verdict = next(d for d in body["reasons"] if d["kind"] == "next_response")
    assert verdict["value"] == "met" and "600 s after the customer wrote" in verdict["reason"]
    assert world.metrics.values["TimeToNextResponse"] == [600.0]
    assert body["sla"]["next_response"] is None
    assert body["sla"]["resolution"] == {"state": "paused", "due_at": None, "seconds_left": 390 * 60}
    assert sorted(token for token, _ in world.signal.sent) == ["tok-next", "tok-res"]  # both woken

    resolved = api.post(f"/cases/{case.id}/resolve", {"reason": "refund issued"}).body
    verdict = next(d for d in resolved["reasons"] if d["kind"] == "resolution")
    assert verdict["value"] == "met" and "paused" in verdict["reason"]
    assert resolved["sla"]["resolution"] is None  # stopped with its verdict
    unanswered = world.open_case("@AcmeHelp never mind, found it", assignee="ana")
    assert api.post(f"/cases/{unanswered.id}/resolve").status == 200
    assert world.metrics.values["ResponseRate"] == [100.0, 0.0]  # answered, then resolved unanswered


LONG = " ".join(f"Sentence {i} says what we will do about your refund, step by step." for i in range(12))


def test_a_long_reply_previews_as_the_thread_delivery_will_post(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    answer = api.post(f"/cases/{case.id}/replies/preview", {"text": LONG, "channel": "public"})
    assert answer.status == 200
    preview = answer.body
    assert [p["text"] for p in preview["parts"]] == split_thread(LONG)
    assert len(preview["parts"]) > 1 and preview["parts"][0]["text"].endswith(f" 1/{len(preview['parts'])}")
    assert all(p["weighted_length"] <= 280 for p in preview["parts"])
    assert preview["weighted_length"] == len(LONG) and preview["max_weighted_length"] == 280
    assert preview["contains_link"] is False and preview["warnings"] == [] and preview["sendable"] is True
    assert preview["estimated_cost_usd"] == round(0.015 * len(preview["parts"]), 3)
    assert world.x.calls.total() == 0 and world.outbox.replies(case.id) == []  # nothing sent or stored


def test_a_link_costs_thirteen_posts_and_says_so(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    preview = api.post(
        f"/cases/{case.id}/replies/preview",
        {"text": "Your refund is on its way: https://acme.example.com/refunds/R-1", "channel": "public"},
    ).body
    assert preview["contains_link"] is True and preview["estimated_cost_usd"] == 0.2
    (warning,) = preview["warnings"]
    assert warning["code"] == "link_cost" and "13 times" in warning["message"]
    assert preview["sendable"] is True
    # The same by DM: X bills a direct message the same whatever it holds.
    dm = api.post(
        f"/cases/{case.id}/replies/preview", {"text": "See https://acme.example.com/r", "channel": "dm"}
    )
    assert dm.body["estimated_cost_usd"] == 0.015 and dm.body["warnings"] == []
    assert dm.body["max_weighted_length"] == 10_000


def test_text_that_shows_nothing_is_empty_and_not_sendable(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    for text in ("", "   ", "\u200b\u200b", "\u2800 \u3164", "\ufeff\u200d"):
        preview = api.post(f"/cases/{case.id}/replies/preview", {"text": text, "channel": "public"}).body
        assert [w["code"] for w in preview["warnings"]] == ["empty"], text
        assert preview["parts"] == [] and preview["sendable"] is False and preview["estimated_cost_usd"] == 0
    # Sending agrees: the same invisible text is refused (by the request's validation, before delivery),
    # and nothing reaches X.
    api.post(f"/cases/{case.id}/claim")
    sent = api.post(f"/cases/{case.id}/replies", {"text": "\u200b\u200b"})
    assert sent.status == 422 and sent.body["error"]["details"][0]["field"] == "body.text"
    assert "invisible" in sent.body["error"]["details"][0]["problem"]
    assert world.x.calls.total() == 0


def test_too_long_is_not_sendable(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    preview = api.post(
        f"/cases/{case.id}/replies/preview", {"text": "word " * 1900, "channel": "public"}
    ).body
    assert [w["code"] for w in preview["warnings"]] == ["too_long"] and preview["sendable"] is False


def test_a_post_that_does_not_mention_the_brand_warns_that_x_will_refuse_a_reply(
    api: Api, world: CaseWorld
) -> None:
    case = world.open_case("my card was charged twice, not happy", mentions_brand=False)
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Sorry!", "channel": "public"}).body
    assert [w["code"] for w in preview["warnings"]] == ["reply_not_allowed"] and preview["sendable"] is False
    # X agrees when the agent sends anyway; the preview then knows it for certain.
    api.post(f"/cases/{case.id}/claim")
    sent = api.post(f"/cases/{case.id}/replies", {"text": "Sorry!"})
    assert sent.status == 422 and sent.body["error"]["code"] == "reply_not_allowed"
    again = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hello", "channel": "public"}).body
    assert (
        again["warnings"][0]["code"] == "reply_not_allowed"
        and "already refused" in again["warnings"][0]["message"]
    )
    # A direct message is fine.
    dm = api.post(f"/cases/{case.id}/replies/preview", {"text": "Sorry!", "channel": "dm"}).body
    assert dm["warnings"] == [] and dm["sendable"] is True


def test_a_mention_of_the_brand_allows_the_reply(api: Api, world: CaseWorld) -> None:
    case = world.open_case("hey @acmehelp my card was charged twice")
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "On it", "channel": "public"}).body
    assert preview["warnings"] == [] and preview["sendable"] is True


def test_a_dm_x_refused_makes_the_next_dm_preview_warn(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.post(f"/cases/{case.id}/claim")
    assert (
        api.post(f"/cases/{case.id}/replies/preview", {"text": "Hi", "channel": "dm"}).body["warnings"] == []
    )
    world.x.closed_dms.add(case.customer.id)
    refused = api.post(f"/cases/{case.id}/replies", {"text": "Can you DM us your order?", "channel": "dm"})
    assert refused.status == 422 and refused.body["error"]["code"] == "dm_not_allowed"
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hi", "channel": "dm"}).body
    assert [w["code"] for w in preview["warnings"]] == ["dm_closed"] and preview["sendable"] is False


def test_a_canned_response_previews_filled_in(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    api.call(
        "PUT",
        "/canned-responses/refund",
        {"title": "Refund", "text": "Hi {customer_name}, ref {ref}."},
        agent="sue",
    )
    preview = api.post(
        f"/cases/{case.id}/replies/preview", {"canned_response_id": "refund", "variables": {"ref": "R-9"}}
    ).body
    assert preview["text"] == "Hi Alice, ref R-9." and preview["parts"][0]["text"] == "Hi Alice, ref R-9."


def test_preview_bad_input_is_a_4xx(api: Api, world: CaseWorld) -> None:
    case = world.open_case()
    path = f"/cases/{case.id}/replies/preview"
    assert api.post(path, {"text": "x", "channel": "fax"}).status == 422
    assert api.post(path, {"channel": "public"}).status == 422
    assert api.post(path, {"text": "bad \ud800"}).status in (400, 422)
    assert api.post(path, {"text": "x", "in_reply_to_id": "1"}).body["error"]["code"] == "invalid"
    assert api.post(path, {"text": "x"}, agent="chen").status == 403
    assert api.post("/cases/1000-t404/replies/preview", {"text": "x"}).status == 404


def test_dm_cases_preview_as_dms_by_default(api: Api, world: CaseWorld) -> None:
    case = world.open_case(channel=Channel.DM)
    preview = api.post(f"/cases/{case.id}/replies/preview", {"text": "Hello there"}).body
    assert preview["max_weighted_length"] == 10_000 and preview["weighted_length"] == len("Hello there")


def test_the_case_says_what_its_conversation_cost_on_x(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    assert api.post(f"/cases/{case.id}/notes", {"text": "checking the ledger"}).status == 201  # free
    replies = f"/cases/{case.id}/replies"
    assert api.post(replies, {"text": "Hi Alice, the refund is on its way."}).status == 201
    cost = api.get(f"/cases/{case.id}").body["x_cost"]
    assert cost["items"] == [
        {"kind": "post_read", "units": 1, "usd": 0.005},  # her mention, read once
        {"kind": "post", "units": 1, "usd": 0.015},
    ]
    assert cost["total_usd"] == pytest.approx(0.020) and "profile" in cost["left_out"]
    assert api.post(replies, {"text": "The form: https://acme.example.com/r"}).status == 201
    cost = api.get(f"/cases/{case.id}").body["x_cost"]
    assert {"kind": "post_with_url", "units": 1, "usd": 0.2} in cost["items"]
    assert cost["total_usd"] == pytest.approx(0.220)  # the link is most of it
