"""Which stored event counts toward which figure, and that each clock's verdict counts exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carebird.cases.model import Case, CaseStatus, Channel, Customer, Decision
from carebird.reports import figures
from carebird.reports.tallies import case_tallies, merged, opened

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def case(*decisions: Decision, tallied: int = 0, **changes: object) -> Case:
    base = Case(
        id="1000-t1",
        brand_id="1000",
        customer=Customer(id="9"),
        channel=Channel.PUBLIC,
        status=CaseStatus.QUEUED,
        queue="billing",
        priority="P2",
        created_at=T0,
        updated_at=T0,
        first_message_at=T0,
        decisions=decisions,
        tallied=tallied,
    )
    return base.model_copy(update=changes)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def slots(c: Case) -> dict[str, int]:
    return {f"{t.metric}:{t.key}": t.count for t in case_tallies(c)}


def test_a_case_opened_counts_in_its_queues_hour_and_noise_does_not() -> None:
    assert [(t.metric, t.queue, t.key) for t in opened(case())] == [("volume", "billing", "09")]
    assert opened(case(status=CaseStatus.CLOSED)) == []


def test_a_first_reply_within_target_is_one_met_first_response_with_its_wait() -> None:
    c = case(Decision(at=at(4), kind="first_response", value="met", reason="", by="ana"))
    (wait, verdict) = sorted(case_tallies(c), key=lambda t: t.metric)
    assert (wait.metric, wait.key, wait.total) == ("first_response", "P2#300#met", 240.0)
    assert (verdict.metric, verdict.key) == ("sla", "first_response#met")


def test_a_breach_is_the_miss_and_the_late_reply_after_it_is_not_a_second_one() -> None:
    breach = Decision(at=at(60), kind="sla_breach", value="first_response", reason="")
    late = Decision(at=at(90), kind="first_response", value="missed", reason="", by="ana")
    first_save = case(breach)
    assert slots(first_save) == {"sla:first_response#missed": 1}
    second_save = case(breach, late, tallied=1)  # the breach was counted by the earlier save
    assert slots(second_save) == {"first_response:P2#7200#missed": 1}


def test_a_late_reply_before_any_breach_is_the_miss() -> None:
    late = Decision(at=at(70), kind="first_response", value="missed", reason="", by="ana")
    assert slots(case(late))["sla:first_response#missed"] == 1


def test_each_run_of_the_next_response_clock_has_its_own_verdict() -> None:
    run1 = Decision(at=at(10), kind="sla", value="next_response:x", reason="")
    breach1 = Decision(at=at(40), kind="sla_breach", value="next_response@a", reason="")
    stop1 = Decision(at=at(45), kind="next_response", value="missed", reason="")
    run2 = Decision(at=at(50), kind="sla", value="next_response:y", reason="")
    stop2 = Decision(at=at(55), kind="next_response", value="missed", reason="")
    got = slots(case(run1, breach1, stop1, run2, stop2))
    assert got == {"sla:next_response#missed": 2}  # the breach of run 1, the late reply of run 2


def test_saves_count_only_the_decisions_they_add() -> None:
    resolved = Decision(at=at(5), kind="resolved", value="resolved", reason="", by="ana")
    verdict = Decision(at=at(5), kind="resolution", value="met", reason="")
    c = case(resolved, verdict)
    assert slots(c) == {"resolved:-": 1, "sla:resolution#met": 1}
    assert case_tallies(c.model_copy(update={"tallied": 2})) == []


def test_only_a_reopen_by_a_low_score_counts_as_one() -> None:
    by_agent = Decision(at=at(5), kind="reopened", value="queued", reason="", by="ana")
    by_survey = Decision(at=at(6), kind="reopened", value="escalations", reason="CSAT 1/5", by="survey")
    assert slots(case(by_agent, by_survey)) == {"reopened_low:-": 1}


def test_merged_adds_counts_of_one_counter() -> None:
    c = case()
    (one,) = merged(opened(c) + opened(c))
    assert one.count == 2


def test_sla_met_pct_counts_misses_and_says_nothing_without_verdicts() -> None:
    assert figures.met_pct(3, 1) == 75.0
    assert figures.met_pct(0, 1) == 0.0
    assert figures.met_pct(0, 0) is None


def test_histogram_quantile_is_the_bucket_bound_holding_it() -> None:
    assert figures.histogram_quantile({60: 5, 300: 4, 900: 1}, 0.5) == 60
    assert figures.histogram_quantile({60: 5, 300: 4, 900: 1}, 0.9) == 300
    assert figures.histogram_quantile({}, 0.5) is None
