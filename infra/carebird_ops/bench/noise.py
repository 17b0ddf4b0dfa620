"""What a noise mention costs, three ways: alone in its poll run, in a busy run, and polling's fixed cost.

A poll run costs something whether it finds anything or not (the brand's lease, its poll state, the reads
of what the run must know, the invocation itself), and the schedule runs it every minute for every brand.
Charging all of that to the one mention a run happened to find makes a noise mention look dearer than it
is in a busy hour, and hides what a quiet brand pays each month. So `make bench-cost` measures:

(a) one noise mention alone in its run (the whole run charged to it);
(b) the marginal cost of a noise mention: `BUSY_MENTIONS` noise mentions arriving together, read by the
    same run(s), minus as many empty runs, divided by `BUSY_MENTIONS`. (Not (cost(10) - cost(1)) / 9,
    which leaves out what a run pays only because something arrived, such as the cursor moved and the
    X spend counted; here those are shared by the ten, as they would be in a busy minute.)
(c) polling's fixed cost per brand per month: one empty run times the runs a month the template's
    schedule makes (30 days).

The target (AWS <= $0.01 per 1,000 noise mentions) is judged on (b), with (a) printed beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

BUSY_MENTIONS = 10
DAYS_A_MONTH = 30
NOISE_TARGET_USD_PER_1000 = 0.01

_UNIT_SECONDS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def runs_per_month(schedule: str) -> int:
    """How many times a month (30 days) an EventBridge `rate(...)` expression fires: rate(1 minute) is
    43,200. A cron expression is refused (the bench would have to guess its calendar)."""
    match = re.fullmatch(r"\s*rate\(\s*(\d+)\s+([a-z]+)\s*\)\s*", schedule)
    if match is None or match.group(2) not in _UNIT_SECONDS or int(match.group(1)) <= 0:
        raise ValueError(f"the poll schedule {schedule!r} is not a rate(N minute[s]|hour[s]|day[s])")
    period = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return DAYS_A_MONTH * 86400 // period


def poll_schedule(resources: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    """The schedule expression of the one EventBridge rule that targets the poll function, in the transformed
    template: a literal, or a `!Ref` to a parameter read at its default."""
    expressions = [
        resource["Properties"]["ScheduleExpression"]
        for resource in resources.values()
        if resource.get("Type") == "AWS::Events::Rule"
        and any(
            target.get("Arn") == {"Fn::GetAtt": ["PollFunction", "Arn"]}
            for target in resource.get("Properties", {}).get("Targets", [])
        )
    ]
    if len(expressions) != 1:
        raise ValueError(f"the template has {len(expressions)} schedules of the poll function, not one")
    expression = expressions[0]
    if isinstance(expression, Mapping) and set(expression) == {"Ref"}:
        default = parameters.get(str(expression["Ref"]), {}).get("Default")
        if not isinstance(default, str):
            raise ValueError(f"the poll schedule's parameter {expression['Ref']} has no default")
        return default
    if not isinstance(expression, str):
        raise ValueError(f"the poll schedule {expression!r} is neither a literal nor a !Ref")
    return expression


def marginal(
    busy: Mapping[str, float], empty: Mapping[str, float], busy_runs: int, mentions: int
) -> dict[str, float]:
    """(b): per row, what `mentions` arriving together cost beyond the `busy_runs` empty poll runs that
    read them, per mention."""
    if mentions <= 0:
        raise ValueError("a busy run needs at least one mention")
    return {k: (busy[k] - busy_runs * empty.get(k, 0.0)) / mentions for k in busy}


def monthly(empty: Mapping[str, float], runs: int) -> dict[str, float]:
    """(c): an empty run's cost, per row, times the runs a month."""
    return {k: v * runs for k, v in empty.items()}
