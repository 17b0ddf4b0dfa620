"""No delivery stays in flight: a function killed mid-delivery leaves an outbox entry the reconciler
settles after its lease (found on X and marked sent, sent once now, or failed with the agent told)."""

from __future__ import annotations

import pytest

from carebird.casework.reconcile import DeliveryReconciler
from tests.support.casework_fakes import CaseWorld
from tests.support.ingest_fakes import Crash
from tests.unit.agent_api.conftest import Api

AFTER_LEASE = 200  # seconds: past the 120 s lease and the reconciler's grace


def killed_reply(api: Api, world: CaseWorld, case_id: str, at: int) -> None:
    """The agent API function dies at the `at`-th side effect of X (1: before the post, 2: after it)."""
    world.x.crash.rearm(at)
    with pytest.raises(Crash):
        api.post(f"/cases/{case_id}/replies", {"text": "Refund is on its way"})
    world.x.crash.rearm(None)


def reply_of(api: Api, case_id: str) -> dict[str, object]:
    thread = api.get(f"/cases/{case_id}").body["thread"]
    (out,) = [m for m in thread if m["direction"] == "out"]
    return out["delivery"]  # type: ignore[no-any-return]


def test_a_post_on_x_whose_function_died_is_found_marked_sent_and_stops_the_clock(
    api: Api, world: CaseWorld
) -> None:
    case_id = world.open_case(assignee="ana").id
    killed_reply(api, world, case_id, at=2)  # X has the post; the case never heard
    assert len(world.x.brand_posts()) == 1
    assert reply_of(api, case_id)["status"] == "pending"
    reconciler = DeliveryReconciler(world.service)
    assert reconciler.run().examined == 0  # still within its lease: the delivery may be alive
    world.clock.advance(AFTER_LEASE)
    report = reconciler.run()
    assert (len(report.sent), len(report.failed)) == (1, 0)
    assert len(world.x.brand_posts()) == 1  # found on X, not posted again
    assert reply_of(api, case_id)["status"] == "sent"
    case = api.get(f"/cases/{case_id}").body
    assert case["first_response_at"] is not None and case["status"] == "pending_customer"
    assert world.metrics.total("DeliveriesReconciled") == 1
    assert reconciler.run().examined == 0  # settled


def test_a_post_never_made_is_sent_once_by_the_reconciler(api: Api, world: CaseWorld) -> None:
    case_id = world.open_case(assignee="ana").id
    killed_reply(api, world, case_id, at=1)
    assert world.x.brand_posts() == []
    world.clock.advance(AFTER_LEASE)
    assert len(DeliveryReconciler(world.service).run().sent) == 1
    assert len(world.x.brand_posts()) == 1
    assert reply_of(api, case_id)["status"] == "sent"


def test_a_reply_x_will_not_take_is_marked_failed_and_the_agent_told(api: Api, world: CaseWorld) -> None:
    case = world.open_case(assignee="ana")
    killed_reply(api, world, case.id, at=1)
    del world.x.posts[case.message_ids[0]]  # the customer deleted their post meanwhile
    world.clock.advance(AFTER_LEASE)
    report = DeliveryReconciler(world.service).run()
    assert len(report.failed) == 1
    delivery = reply_of(api, case.id)
    assert delivery["status"] == "failed" and "deleted" in str(delivery["error"])
    reasons = api.get(f"/cases/{case.id}").body["reasons"]
    assert [r["kind"] for r in reasons][-1] == "delivery_failed"
    assert world.metrics.total("DeliveriesFailedUnattended") == 1
    assert DeliveryReconciler(world.service).run().examined == 0


def test_replies_that_went_through_are_never_touched(api: Api, world: CaseWorld) -> None:
    case_id = world.open_case(assignee="ana").id
    assert api.post(f"/cases/{case_id}/replies", {"text": "Done!"}).status == 201
    world.clock.advance(AFTER_LEASE)
    assert DeliveryReconciler(world.service).run().examined == 0
    assert world.metrics.total("DeliveriesReconciled") == 0
