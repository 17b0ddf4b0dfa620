"""Filling the mentions X could not page back to: time-window queries over a recorded gap.

When X cannot page back to the mentions cursor (its ~800 reach, or a page that failed), the hole is
recorded as a gap before the cursor moves, then filled from a time-window query, now or in a later run.
DM events have no time-window query, so only the mentions feed has gaps.

A gap is never given up on while X may still serve it. A window that fails (a timeout, a 5xx, a 429)
is tried again after a back-off that doubles with each try in a row that got nothing, up to
`gap_retry_max_seconds`; `gap_max_attempts` tries escalate it to a person (an error in the log, and the
GapsOpen metric's alarm while it stays open), and the tries go on. A run spends at most
`gap_windows_per_run` windows on a brand's gaps, none past its deadline and none from X's reserve of
requests. A window that went through whole and returned nothing, not even the cursor post it starts
at, means the timeline no longer serves that stretch (the ~800 most recent mentions slid past it). The
stretch is then read through X's recent search (`carebird.ingest.gap_search`), which serves the last
7 days however many mentions came since; only what search cannot vouch for (older than its 7 days, or
a search that never came back down to the cursor post) is marked lost to X (GapsLostToX, an alarm of
its own) and kept, with its times, for a person. Without a search port the gap is marked lost at once.
Search has its own rate limit: its windows keep the same reserve of its requests, and its 429 stops
only that brand's searches for the run (the gap stays open, tried again on the back-off).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from carebird.brands import Brand
from carebird.ingest import gap_search
from carebird.ingest.chains import Chain, mentions_chain, read_chain
from carebird.ingest.context import COUNT, RunContext
from carebird.ingest.gap_search import SearchOutcome
from carebird.ingest.model import Gap, GapStatus, IngestedMention, Mention, MentionsQuery, RateLimit
from carebird.ingest.ports import MentionsReader, MentionsSearch
from carebird.ingest.summary import FeedCounts
from carebird.ingest.tuning import PollTuning
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.ports.x import XRateLimited

# Stores mentions as the mentions feed does (noise, repeats) and returns the newly stored ones.
StoreMentions = Callable[[Brand, Sequence[Mention], FeedCounts], list[IngestedMention]]


def retry_delay(gap: Gap, tuning: PollTuning) -> timedelta:
    """How long after its last window a gap is tried again: `gap_retry_seconds`, doubled for each
    try in a row that got nothing (`stalled`), never more than `gap_retry_max_seconds`."""
    base = tuning.gap_retry_seconds
    longest = max(base, tuning.gap_retry_max_seconds)
    exponent = min(max(gap.stalled - 1, 0), 32)
    return timedelta(seconds=min(longest, base * 2**exponent))


def is_due(gap: Gap, now: datetime, tuning: PollTuning) -> bool:
    """An open gap is due for a window when never tried, or when its back-off has passed."""
    if gap.status is not GapStatus.OPEN:
        return False
    return gap.last_attempt_at is None or now - gap.last_attempt_at >= retry_delay(gap, tuning)


def has_spare_requests(rate: RateLimit | None, now: datetime, tuning: PollTuning) -> bool:
    """Gap windows leave the reads the reserve the cadence keeps for the pages of bursts (20 of X's
    180), or a quarter of a window smaller than that; a 429 all the same stops them until the reset."""
    if rate is None or rate.reset_at <= now:
        return True
    return rate.remaining > min(tuning.cadence.rate_limit_reserve, rate.limit // 4)


@dataclass(frozen=True)
class Backfill:
    """What a backfill left: the 429 that stopped it, if one did, and how many gaps are still open."""

    blocked: XRateLimited | None
    open_gaps: int


class GapFiller:
    """One run's gap filling (a `MentionsFeed` is made per run): it counts the windows spent per brand."""

    def __init__(
        self,
        ctx: RunContext,
        reader: MentionsReader,
        store_mentions: StoreMentions,
        search: MentionsSearch | None = None,
    ) -> None:
        self._ctx = ctx
        self._reader = reader
        self._store_mentions = store_mentions
        self._search = search  # None: a stretch the timeline no longer serves is lost to X
        # Search's own x-rate-limit-* headers, last seen per brand (each brand's token has its bucket),
        # and the brands whose search said 429 this run: no more of their searches in it.
        self._search_rates: dict[str, RateLimit] = {}
        self._search_blocked: set[str] = set()
        self._backfilled: dict[str, int] = {}  # brand id -> windows this run's backfills spent

    def backfill(self, brand: Brand, counts: FeedCounts, rate: RateLimit | None) -> Backfill:
        """Fill the brand's open gaps that are due, within the run's windows, time and X's requests."""
        ctx, tuning = self._ctx, self._ctx.tuning
        gaps = ctx.store.open_gaps(brand.id)
        blocked: XRateLimited | None = None
        for index, gap in enumerate(gaps):
            left = tuning.gap_windows_per_run - self._backfilled.get(brand.id, 0)
            if not is_due(gap, ctx.clock.now(), tuning):
                continue
            if left <= 0 or not self._may_spend(rate):
                logger.info("gaps due are left for the next run", extra={"open_gaps": len(gaps)})
                break
            gaps[index], blocked, rate, spent = self._fill(brand, gap, counts, rate, left)
            self._backfilled[brand.id] = self._backfilled.get(brand.id, 0) + spent
            if blocked is not None:
                break
        return Backfill(blocked, sum(g.status is GapStatus.OPEN for g in gaps))

    def fill(self, brand: Brand, gap: Gap, counts: FeedCounts) -> XRateLimited | None:
        """Windows over a gap just found, while its lower end is most likely still within X's reach
        (a check the run owes the chain that found it: the backfills' allowance is not spent on it)."""
        if not self._may_spend(None):
            return None
        return self._fill(brand, gap, counts, None, self._ctx.tuning.gap_windows_per_run)[1]

    def _may_spend(self, rate: RateLimit | None) -> bool:
        ctx = self._ctx
        return not ctx.out_of_time() and has_spare_requests(rate, ctx.clock.now(), ctx.tuning)

    def _fill(
        self, brand: Brand, gap: Gap, counts: FeedCounts, rate: RateLimit | None, windows: int
    ) -> tuple[Gap, XRateLimited | None, RateLimit | None, int]:
        """Up to `windows` time-window queries over the gap; a window can hold more than X's reach, so
        keep narrowing while each query gets closer to the cursor. The gap, the 429 that stopped it if
        one did, X's last rate-limit headers, and the windows spent."""
        spent = 0
        while gap.status is GapStatus.OPEN and spent < windows:
            spent += 1
            to_id = gap.to_id
            gap, chain = self._window(brand, gap, counts)
            rate = chain.rate or rate
            if isinstance(chain.failure, XRateLimited):
                return gap, chain.failure, rate, spent
            if gap.to_id == to_id or not self._may_spend(rate):
                break
        return gap, None, rate, spent

    def _window(self, brand: Brand, gap: Gap, counts: FeedCounts) -> tuple[Gap, Chain[Mention]]:
        """One time-window query over the gap. The window starts at the cursor post itself, so seeing
        that post again proves the chain reached back across the whole gap."""
        ctx = self._ctx
        # X takes whole seconds: the window is widened to the enclosing seconds, and ids (which X prefers
        # to times) keep the posts already stored in those seconds out of the bill: until_id at the upper
        # end, and since_id one below the cursor post at the lower, so that the post itself comes back.
        start = gap.from_time.replace(microsecond=0)
        end = gap.to_time.replace(microsecond=0) + timedelta(seconds=1)
        below = int(gap.from_id) - 1
        query = MentionsQuery(
            since_id=str(below) if below > 0 else None,
            start_time=start,
            end_time=end,
            until_id=gap.to_id,
            max_results=ctx.tuning.page_size,
        )
        chain = mentions_chain(self._reader, brand, query, int(gap.from_id), ctx.tuning, counts)
        found = [m for m in chain.ascending() if gap.contains(m.id)]
        stored = self._store_mentions(brand, found, counts)
        now = ctx.clock.now()
        progress = replace(
            gap,
            attempts=gap.attempts + 1,
            recovered=gap.recovered + len(stored),
            last_attempt_at=now,
            stalled=0 if found else gap.stalled + 1,
        )
        complete = chain.failure is None and not chain.truncated
        # Before any cursor there is no post to reach back to; a complete window is the best evidence.
        if complete and (chain.reached_floor or int(gap.from_id) == 0):
            progress = replace(progress, status=GapStatus.CLOSED, closed_at=now)
            ctx.summary.gaps_closed += 1
            logger.info("gap closed", extra=_described(progress))
        elif found:
            oldest = found[0]
            progress = replace(progress, to_id=oldest.id, to_time=oldest.created_at)
        elif complete and self._search is not None:
            # The timeline answered in full and served nothing from the cursor post up: it no longer
            # reaches there. Recent search may.
            progress = self._searched(brand, progress, counts, self._search)
        elif complete:
            progress = self._lost(progress, "mentions lost to X: it no longer serves this stretch")
        else:
            retry = {"retry_in_seconds": retry_delay(progress, ctx.tuning).total_seconds()}
            failure = {"error": f"{type(chain.failure).__name__}: {chain.failure}"} if chain.failure else {}
            extra = {**_described(progress), **failure, **retry}
            if progress.attempts == ctx.tuning.gap_max_attempts:  # escalated once; the tries go on
                logger.error("a gap is still open after the escalation threshold of tries", extra=extra)
            else:
                logger.warning("a gap's window got nothing", extra=extra)
        ctx.store.save_gap(progress)
        return progress, chain

    def _lost(self, gap: Gap, message: str) -> Gap:
        ctx = self._ctx
        lost = replace(gap, status=GapStatus.LOST, closed_at=ctx.clock.now())
        ctx.summary.gaps_lost += 1
        ctx.ports.metrics.add_metric(MetricName.GAPS_LOST_TO_X, COUNT, 1)
        logger.error(message, extra=_described(lost))
        return lost

    def _searched(self, brand: Brand, gap: Gap, counts: FeedCounts, search: MentionsSearch) -> Gap:
        """The gap after reading its stretch through recent search (or not: then it stays open)."""
        ctx, tuning = self._ctx, self._ctx.tuning
        now = ctx.clock.now()
        planned = gap_search.plan(gap, now, tuning.page_size)
        if planned is None:
            return self._lost(gap, "mentions lost to X: the stretch is older than recent search's 7 days")
        if (
            brand.id in self._search_blocked
            or ctx.out_of_time()
            or not has_spare_requests(self._search_rates.get(brand.id), now, tuning)
        ):
            logger.info("a gap past the timeline's reach waits for recent search", extra=_described(gap))
            return gap
        query = planned.query
        chain = read_chain(
            lambda token, size: search.read(brand, replace(query, pagination_token=token, max_results=size)),
            counts,
            floor=int(gap.from_id),
            first_size=query.max_results,
            max_size=query.max_results,
            max_pages=tuning.max_pages,
        )
        if chain.rate is not None:
            self._search_rates[brand.id] = chain.rate
        if isinstance(chain.failure, XRateLimited):
            self._search_blocked.add(brand.id)
        found = [m for m in chain.ascending() if gap.contains(m.id)]
        stored = self._store_mentions(brand, found, counts)
        gap = replace(gap, recovered=gap.recovered + len(stored), stalled=0 if found else gap.stalled)
        result = gap_search.outcome(
            planned,
            complete=chain.failure is None and not chain.truncated,
            reached_cursor=chain.reached_floor,
            found=len(found),
            before_any_cursor=int(gap.from_id) == 0,
        )
        extra = {**_described(gap), "searched": len(found), "stored": len(stored)}
        if result is SearchOutcome.FILLED:
            ctx.summary.gaps_closed += 1
            logger.info("gap filled through recent search", extra=extra)
            return replace(gap, status=GapStatus.CLOSED, closed_at=ctx.clock.now())
        if result is SearchOutcome.NARROWED:
            oldest = found[0]
            return replace(gap, to_id=oldest.id, to_time=oldest.created_at)
        if result is SearchOutcome.LOST:
            reason = (
                f"mentions lost to X: recent search serves nothing before {planned.horizon.isoformat()}"
                if not planned.whole
                else "mentions lost to X: recent search did not reach back to the gap's cursor post"
            )
            return self._lost(gap, reason)
        failure = {"error": f"{type(chain.failure).__name__}: {chain.failure}"} if chain.failure else {}
        logger.warning("recent search over a gap got nothing yet", extra={**extra, **failure})
        return gap


def _described(gap: Gap) -> dict[str, object]:
    """A gap as a log line shows it: where it is, and what was tried."""
    return {
        "from_id": gap.from_id,
        "to_id": gap.to_id,
        "from_time": gap.from_time.isoformat(),
        "to_time": gap.to_time.isoformat(),
        "reason": gap.reason.value,
        "attempts": gap.attempts,
        "recovered": gap.recovered,
    }
