"""make bench-cost's three noise figures: alone in a run, marginal in a busy run, polling's fixed cost."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from carebird_ops.bench.cost import (
    ALONE,
    BUSY,
    EMPTY,
    FIRST_OF_DAY,
    RETURNING_SCENARIO,
    ROUTED_SCENARIO,
    table,
)
from carebird_ops.bench.costing import Usage, load_prices
from carebird_ops.bench.noise import marginal, monthly, poll_schedule, runs_per_month


def test_a_one_minute_rate_is_43200_runs_a_month() -> None:
    assert runs_per_month("rate(1 minute)") == 43_200
    assert runs_per_month("rate(5 minutes)") == 8_640
    assert runs_per_month("rate(1 hour)") == 720
    for bad in ("cron(0 * * * ? *)", "rate(0 minutes)", "rate(1 fortnight)"):
        with pytest.raises(ValueError):
            runs_per_month(bad)


def test_the_schedule_is_read_from_the_rule_that_targets_the_poll_function() -> None:
    def rule(target: str, expression: Any) -> dict[str, Any]:
        return {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "ScheduleExpression": expression,
                "Targets": [{"Arn": {"Fn::GetAtt": [target, "Arn"]}}],
            },
        }

    parameters = {"PollScheduleRate": {"Default": "rate(2 minutes)"}}
    resources = {
        "A": rule("FollowupFunction", "rate(1 minute)"),
        "B": rule("PollFunction", {"Ref": "PollScheduleRate"}),
    }
    assert poll_schedule(resources, parameters) == "rate(2 minutes)"
    assert poll_schedule({"B": rule("PollFunction", "rate(3 minutes)")}, {}) == "rate(3 minutes)"
    with pytest.raises(ValueError):
        poll_schedule({"A": resources["A"]}, parameters)


def test_the_template_polls_every_minute() -> None:
    from carebird_ops.local import template

    loaded = template.load(template.find_template())
    assert runs_per_month(poll_schedule(loaded.resources, loaded.parameters)) == 43_200


def test_the_marginal_cost_takes_off_the_empty_runs_that_read_the_mentions() -> None:
    busy = {"Lambda": 0.0023, "DynamoDB": 0.0021}
    empty = {"Lambda": 0.0001, "DynamoDB": 0.0001}
    got = marginal(busy, empty, busy_runs=2, mentions=10)
    assert got == pytest.approx({"Lambda": 0.00021, "DynamoDB": 0.00019})
    assert monthly(empty, 43_200)["DynamoDB"] == pytest.approx(4.32)
    with pytest.raises(ValueError):
        marginal(busy, empty, 1, 0)


def _run(fn: str, ms: int, write_units: float, starts: int = 0) -> Usage:
    usage = Usage(write_units=write_units)
    usage.lambda_runs.append({"fn": f"stack-{fn}", "arch": "arm64", "memory_mb": 256, "billed_ms": ms})
    usage.aws_calls["stepfunctions:StartExecution"] = starts
    return usage


def test_the_table_prints_the_three_figures_and_judges_the_target_on_the_marginal() -> None:
    prices = load_prices()
    empty = _run("PollFunction", 100, 2)
    alone = _run("PollFunction", 150, 13, starts=1)
    busy = _run("PollFunction", 300, 2 + 10 * 10, starts=10)  # 10 write units a mention beyond the run
    results = {
        ALONE: (alone, Counter(post_read=1), Counter(owned_read=1)),
        BUSY: (busy, Counter(post_read=10), Counter(owned_read=10)),
        EMPTY: (empty, Counter(), Counter()),
    }
    text = table(results, prices, [], 43_200, "rate(1 minute)", 50)
    header = text.splitlines()[0]
    assert "noise (a) alone" in header and "noise (b) marginal" in header
    dynamodb = next(line for line in text.splitlines() if line.startswith("DynamoDB"))
    # (a) 13 units, (b) 10 units a mention, per 1,000
    assert dynamodb.split()[1:] == [f"${13 * 6.25e-07 * 1000:.4f}", f"${10 * 6.25e-07 * 1000:.4f}"]
    assert "judged on (b) with its triage timed as a mention alone" in text
    fixed = next(line for line in text.splitlines() if "AWS total $" in line)
    empty_usd = 2 * 6.25e-07 + 2e-07 + 0.1 * 0.25 * 1.33334e-05
    assert f"${empty_usd * 43_200:,.2f} a month" in fixed
    deployed = 43_200 * (2e-07 + 50 * 0.25 * 1.33334e-05)
    assert f"${deployed:,.2f} a month" in text


def test_the_marginal_is_also_shown_with_triage_timed_as_a_mention_alone() -> None:
    """Ten triage executions at once stretch on the bench's few cores: (b) is shown as measured, and
    beside it with each execution's Lambda and Express time as in the alone run."""
    prices = load_prices()
    empty = _run("PollFunction", 100, 2)
    alone = _run("PollFunction", 100, 2, starts=1)
    alone.lambda_runs.append(
        {"fn": "stack-ClassifyFunction", "arch": "arm64", "memory_mb": 256, "billed_ms": 10}
    )
    busy = _run("PollFunction", 100, 2, starts=10)
    busy.lambda_runs += [
        {"fn": "stack-ClassifyFunction", "arch": "arm64", "memory_mb": 256, "billed_ms": 1000}
        for _ in range(10)
    ]
    results = {
        ALONE: (alone, Counter(), Counter()),
        BUSY: (busy, Counter(), Counter()),
        EMPTY: (empty, Counter(), Counter()),
    }
    text = table(results, prices, [])
    measured = 2e-07 + 1.0 * 0.25 * 1.33334e-05
    timed_alone = 2e-07 + 0.01 * 0.25 * 1.33334e-05
    line = next(line for line in text.splitlines() if "timed as in (a)" in line)
    assert f"${timed_alone * 1000:.4f} (ten at once" in line
    assert f"${measured * 1000:.4f} of Lambda" in line
    verdict = next(line for line in text.splitlines() if line.startswith("noise target"))
    assert verdict.startswith(
        "noise target (AWS <= $0.01 per 1,000, judged on (b) with its triage timed as a mention alone):"
        f" ${timed_alone * 1000:.4f}"
    )


def test_x_reads_per_message_are_shown_for_a_new_and_a_returning_customer() -> None:
    """A new customer's conversation reads her profile once (and the survey DM the brand sent comes back in
    the DM timeline); her next mention on a later day reads the post alone."""
    prices = load_prices()
    routed = _run("PollFunction", 100, 2, starts=2)
    returning = _run("PollFunction", 100, 2, starts=1)
    results = {
        ROUTED_SCENARIO: (routed, Counter(post_read=1, user_read=1, dm_event_read=2), Counter()),
        RETURNING_SCENARIO: (returning, Counter(post_read=1), Counter(owned_read=1)),
    }
    text = table(results, prices, [])
    header = text.splitlines()[0]
    assert "routed conversations" in header and "returning, later day" in header
    reads = next(line for line in text.splitlines() if line.startswith("X resources read per message"))
    assert reads.split()[-2:] == ["2.00", "1.00"]
    messages = next(line for line in text.splitlines() if line.startswith("  of them posts and DM events"))
    users = next(line for line in text.splitlines() if line.startswith("  of them users"))
    # The routed conversation: a post and two DM events (one the survey the brand sent) for two messages,
    # and her profile once; the returning customer: her post alone.
    assert (messages.split()[-2:], users.split()[-2:]) == (["1.50", "1.00"], ["0.50", "0.00"])


def test_the_first_poll_of_a_day_is_xs_fixed_cost_of_the_brands_day() -> None:
    prices = load_prices()
    first = _run("PollFunction", 100, 2)
    results = {FIRST_OF_DAY: (first, Counter(dm_event_read=1), Counter(dm_event_read=1))}
    line = next(line for line in table(results, prices, []).splitlines() if line.startswith("(d)"))
    assert "$0.010 a day, $0.30 a month (app under the brand account: $0.30)" in line
