"""Each figure defined once. The report routes, their CSV and `carebird demo` all use these."""

from __future__ import annotations

from collections.abc import Mapping


def met_pct(met: int, missed: int) -> float | None:
    """SLA met %: of the clocks that ended with a verdict (met or missed, a breach being a miss), the
    share met. None when no clock ended: no data is not 100%."""
    ended = met + missed
    return round(100 * met / ended, 1) if ended else None


def share_pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def average(total: float, count: int) -> float | None:
    return round(total / count, 2) if count else None


def histogram_quantile(buckets: Mapping[int, int], q: float) -> int | None:
    """The upper bound of the histogram bucket that holds the q-quantile: "p90 at most N seconds". The
    open-ended bucket answers with its key (carebird.reports.tallies.OVER)."""
    count = sum(buckets.values())
    if not count:
        return None
    rank = q * count
    seen = 0
    for bound in sorted(buckets):
        seen += buckets[bound]
        if seen >= rank:
            return bound
    return max(buckets)
