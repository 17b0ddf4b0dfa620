"""Evaluates the template's CloudWatch alarms in the local stack, which moto stores but never evaluates.

On AWS, CloudWatch evaluates every metric alarm on a schedule, moves it between OK, ALARM and
INSUFFICIENT_DATA, and notifies the alarm's SNS actions. moto keeps alarms and metric data and does none
of that, so this evaluator does it, driven only by what `describe_alarms` returns: an alarm added to
template.yaml (or created by a test with `put_metric_alarm`) is evaluated with no change here.

Each evaluation of an alarm:
1. reads the alarm's datapoints over its *evaluation range*, the last N + 2 periods (N is
   EvaluationPeriods). CloudWatch documents that it retrieves "a higher number of data points than
   specified by Evaluation Periods" without giving the number; its worked example retrieves 5 for N = 3,
   which is what N + 2 gives. Only whole periods that have ended are read;
2. decides the state as CloudWatch documents it ("How alarm state is evaluated when data is missing",
   CloudWatch User Guide): with at least N real datapoints in the range, the most recent N decide and
   TreatMissingData plays no part; with fewer, `breaching` / `notBreaching` fill the shortfall with
   breaching / good datapoints; `missing` and `ignore` fill nothing: an alarm with no datapoint at all
   goes to INSUFFICIENT_DATA (`missing`) or keeps its state (`ignore`), one with a good datapoint goes to
   OK, and one whose datapoints all breach, but fewer than DatapointsToAlarm (M) of them, goes to ALARM
   only if the oldest of them is at least M periods old ("avoiding premature transitions"; `ignore`
   keeps its state instead), else to INSUFFICIENT_DATA (`missing`) or keeps its state (`ignore`).
   `evaluate` is that decision as a pure function; the unit tests check it against every row of the
   documentation's two example tables;
3. on a change of state, calls `set_alarm_state` with a reason worded like CloudWatch's ("Threshold
   Crossed: 3 out of the last 5 datapoints [...] were greater than or equal to the threshold (1.0) ...")
   and, if ActionsEnabled, publishes CloudWatch's JSON notification to each SNS topic of AlarmActions,
   OKActions or InsufficientDataActions, with CloudWatch's subject (`ALARM: "name" in US East (N.
   Virginia)`). Other kinds of actions (Auto Scaling, EC2, Lambda) are not performed locally.

Time compression. The stack's `--time-scale` (the one the scheduler uses) also compresses alarms: an
alarm period of P seconds lasts round(P / time_scale) seconds of wall time, and never less than one
second, so at scale 60 a 60 s period is 1 s and IngestionSilentAlarm's five minutes are 5 s. Periods are
aligned to multiples of that wall period since the epoch, and each is one datapoint, aggregated from the
raw metric data with the alarm's statistic, exactly as CloudWatch aggregates a period. The evaluator
runs every 60 / time_scale seconds (CloudWatch evaluates once a minute), at least every 60 s and at most
twice a second. The alarm itself, its reason text and its notifications keep the declared Period.

Why `get_metric_data`, even for single-metric alarms: the evaluator asks moto for datapoints of exactly
one compressed period each (Period = the wall period, StartTime on a period boundary), and moto 5.2.5
bins `get_metric_data` from StartTime, as CloudWatch aligns periods, while its `get_metric_statistics`
starts its bins at the first datapoint found, so its periods would drift with the data. moto does not
enforce CloudWatch's 1/5/10/30/60-multiple rule for Period, and it compares times in whole seconds: hence
the one-second floor. Fetching one-second bins and aggregating them here would give the same sums,
minimums, maximums and counts, but it would give no percentiles either, and it would cost a request
bin per second of range for long periods.

Metric math alarms (`Metrics`): the MetricStat queries are fetched the same way, and the expressions are
evaluated here, since moto's `get_metric_data` only passes through an expression that names another
query. Supported: + - * / ^ and unary minus, numbers, query ids, arrays [a, b], METRICS() and
METRICS("text"), SUM / AVG / MIN / MAX (of an array: per timestamp; of one time series: a scalar),
FILL(x, value), ABS, CEIL and FLOOR. As CloudWatch documents, arithmetic treats a missing value as 0 and
drops a datapoint that would divide by zero.

Not evaluated locally, and shown as INSUFFICIENT_DATA with a reason that says why (`carebird alarms`):
percentile and other extended statistics (moto 5.2.5 computes none: its `get_metric_data` fails on
them), Metrics Insights queries, anomaly detection bands, and math functions not listed above. Known
moto differences that show through: a query without dimensions matches the metric's data under any
dimensions, and one with dimensions does not check the namespace; a new alarm starts in moto as OK with
the reason "Unchecked: Initial alarm creation", which the evaluator turns into the INSUFFICIENT_DATA
CloudWatch starts with, and `put_metric_alarm` on an existing alarm restarts it there too (CloudWatch
would keep its state); `set_alarm_state` by hand notifies no one (CloudWatch would), and the next
evaluation overrides it, as on AWS.

One module per job: `decision` (the state and its reason, pure), `query` (what to fetch, compressed
time), `metric_math` (the expression interpreter), `notifications` (CloudWatch's SNS message) and
`evaluator` (the thread that reads moto, decides, sets states and notifies).
"""

from carebird_ops.local.alarms.decision import (
    ALARM,
    COMPARISONS,
    INSUFFICIENT_DATA,
    MISSING_DATA,
    OK,
    AlarmRule,
    Outcome,
    Point,
    UnsupportedAlarm,
    evaluate,
    threshold_reason,
)
from carebird_ops.local.alarms.evaluator import MOTO_INITIAL_REASON, NOT_EVALUATED, AlarmEvaluator, Transition
from carebird_ops.local.alarms.metric_math import MetricMath, Series, Value
from carebird_ops.local.alarms.notifications import REGION_NAMES, notification
from carebird_ops.local.alarms.query import (
    EXTRA_PERIODS,
    STATISTICS,
    AlarmQuery,
    evaluation_range,
    wall_period,
)

__all__ = [
    "ALARM",
    "COMPARISONS",
    "EXTRA_PERIODS",
    "INSUFFICIENT_DATA",
    "MISSING_DATA",
    "MOTO_INITIAL_REASON",
    "NOT_EVALUATED",
    "OK",
    "REGION_NAMES",
    "STATISTICS",
    "AlarmEvaluator",
    "AlarmQuery",
    "AlarmRule",
    "MetricMath",
    "Outcome",
    "Point",
    "Series",
    "Transition",
    "UnsupportedAlarm",
    "Value",
    "evaluate",
    "evaluation_range",
    "notification",
    "threshold_reason",
    "wall_period",
]
