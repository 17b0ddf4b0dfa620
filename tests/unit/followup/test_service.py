from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from carebird.followup.model import Survey, SurveyStatus
from carebird.followup.service import FollowupService, InvalidSurveySettings
from carebird.outbound.model import Channel, DeliveryResult, OutgoingReply, PartOutcome, PartOutcomeStatus

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeSurveys:
    def __init__(self) -> None:
        self.items: dict[str, Survey] = {}

    def schedule(self, survey: Survey) -> bool:
        if survey.case_id in self.items:
            return False
        self.items[survey.case_id] = survey
        return True

    def due(self, now: datetime, limit: int) -> list[Survey]:
        return [s for s in self.items.values() if s.status is SurveyStatus.DUE and s.due_at <= now][:limit]

    def finish(self, survey: Survey) -> bool:
        if self.items[survey.case_id].status is not SurveyStatus.DUE:
            return False
        self.items[survey.case_id] = survey
        return True


class FakeDeliverer:
    def __init__(self, refuse_dm: bool = False, busy: bool = False) -> None:
        self.sent: list[OutgoingReply] = []
        self.refuse_dm = refuse_dm
        self.busy = busy

    def deliver(self, reply: OutgoingReply) -> DeliveryResult:
        if self.busy:
            status, error = PartOutcomeStatus.PENDING, "X is busy"
        elif reply.channel is Channel.DM and self.refuse_dm:
            status, error = PartOutcomeStatus.FAILED, "the customer does not accept DMs"
        else:
            status, error = PartOutcomeStatus.SENT, None
            self.sent.append(reply)
        x_id = "1" if error is None else None
        part = PartOutcome(index=0, text=reply.text, status=status, x_id=x_id, error=error)
        return DeliveryResult(
            case_id=reply.case_id, reply_id=reply.reply_id, channel=reply.channel, parts=[part]
        )


def survey(case: str = "c1", customer: str = "42") -> Survey:
    return Survey(
        case_id=case, brand_id="1000", brand_handle="AcmeHelp", customer_id=customer, customer_handle="alice",
        reply_to_tweet_id="555", due_at=NOW,
    )  # fmt: skip


def service(
    settings: dict[str, Any] | None = None, **deliverer: bool
) -> tuple[FollowupService, FakeSurveys, FakeDeliverer]:
    store, out = FakeSurveys(), FakeDeliverer(**deliverer)
    return FollowupService(store, out, lambda _: settings or {}, lambda: NOW), store, out


def test_a_survey_is_sent_once_after_the_delay_by_dm_with_the_brand_wording() -> None:
    svc, store, out = service({"survey": {"delay_minutes": 30, "wording": "@{customer}, rate {brand} 1-5?"}})
    assert svc.schedule(survey(), resolved_at=NOW - timedelta(minutes=10)) is True
    assert svc.sweep().sent == 0  # not due yet: 30 minutes after resolution
    assert svc.schedule(survey(), resolved_at=NOW - timedelta(minutes=40)) is False  # duplicate trigger
    store.items["c1"] = store.items["c1"].model_copy(update={"due_at": NOW})
    assert svc.sweep().as_dict() == {"sent": 1, "skipped": 0, "failed": 0, "pending": 0}
    assert svc.sweep().sent == 0
    assert [(r.channel, r.text) for r in out.sent] == [(Channel.DM, "@alice, rate AcmeHelp 1-5?")]
    assert store.items["c1"].channel == "dm"


def test_without_dms_the_survey_is_a_public_reply_under_the_customers_post() -> None:
    svc, store, out = service(refuse_dm=True)
    store.schedule(survey())
    assert svc.sweep().sent == 1
    assert out.sent[0].channel is Channel.PUBLIC and out.sent[0].in_reply_to_tweet_id == "555"
    assert "DM not possible" in store.items["c1"].note


def test_opt_outs_and_disabled_brands_are_never_asked() -> None:
    svc, store, out = service({"survey": {"opted_out": ["42"]}})
    store.schedule(survey())
    assert svc.sweep().skipped == 1 and out.sent == []
    svc, store, out = service({"survey": {"enabled": False}})
    store.schedule(survey())
    assert svc.sweep().skipped == 1 and out.sent == []


def test_a_busy_x_leaves_the_survey_due_for_the_next_sweep() -> None:
    svc, store, _ = service(busy=True)
    store.schedule(survey())
    assert svc.sweep().pending == 1
    assert store.items["c1"].status is SurveyStatus.DUE


def test_bad_survey_settings_name_the_field() -> None:
    svc, _, _ = service({"survey": {"delay_minutes": -5}})
    with pytest.raises(InvalidSurveySettings, match=r"survey\.delay_minutes"):
        svc.schedule(survey(), resolved_at=NOW)
