"""Poll every enabled brand's mentions into storage and hand each new one to triage exactly once.

Pure domain logic: it talks only to the ports in `carebird.ingest.ports`.

Why nothing is lost or duplicated, whatever point a run dies at:
- A brand's pages are read newest first down to its cursor, then written oldest first. Each write is
  conditional on the tweet id (`AlreadyIngested` is the normal answer to a retry, not an error).
- The cursor moves to the newest id only after every mention up to it is stored, and only forwards.
  A run that dies before that re-reads the same range next time; the writes dedupe it.
- A mention is stored as pending in the same write that makes it discoverable as pending, handed to
  triage under a name derived from its id (a second start of the same name is a no-op), and marked
  handed off afterwards. Pending mentions left by a dead run are handed off at the next poll.
- When X cannot page back to the cursor (its ~800 reach, or a page that failed), the hole is recorded
  as a gap before the cursor moves, then filled from a time-window query, now or in a later run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

from carebird.brands import Brand, InvalidBrand
from carebird.ingest.cadence import Cadence
from carebird.ingest.model import (
    Cursor,
    Gap,
    GapReason,
    GapStatus,
    IngestedMention,
    Mention,
    MentionsQuery,
    MentionStatus,
    PollState,
    RateLimit,
    SkipReason,
)
from carebird.ingest.noise import obvious_noise, text_fingerprint
from carebird.ingest.ports import (
    AlreadyIngested,
    Clock,
    HandoffFailed,
    IngestStore,
    MentionsReader,
    MetricsSink,
    TriageHandoff,
)
from carebird.observability import logger
from carebird.x_errors import XError, XRateLimited

COUNT = "Count"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECONDS = "Seconds"


@dataclass(frozen=True)
class PollTuning:
    cadence: Cadence = field(default_factory=Cadence)
    initial_lookback_seconds: float = 3600.0  # a brand's first poll starts this far back
    repeat_window_seconds: float = 86400.0  # default; a brand may set settings.repeat_window_seconds
    reach_limit: int = 800  # how many mentions X lets a client page back through (see _read_chain)
    page_size: int = 100
    max_pages: int = 20  # a token chain longer than X's reach is a broken chain
    gap_retry_seconds: float = 300.0
    gap_max_attempts: int = 20  # window queries per gap before it is left open for a person
    handoff_batch: int = 100
    lease_slack_seconds: float = 30.0


@dataclass
class PollSummary:
    brands: int = 0
    polls: int = 0
    ingested: int = 0  # stored as work and handed toward triage
    skipped: int = 0  # stored as noise
    duplicates: int = 0  # read again after an interrupted run; the first write stood
    reads: int = 0  # posts X returned (what X bills)
    gaps: int = 0
    gaps_closed: int = 0
    handed_off: int = 0
    rate_limited: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Chain:
    """One chain of pages, newest first, as far back as X and the floor allow."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    rate: RateLimit | None = None
    failure: XError | None = None
    truncated: bool = False
    reached_floor: bool = False  # a post at or below the floor came back: nothing between is missing

    def ascending(self) -> list[Mention]:
        return sorted(self.mentions.values(), key=lambda m: m.number)

    def oldest(self) -> Mention:
        return min(self.mentions.values(), key=lambda m: m.number)

    def newest(self) -> Mention:
        return max(self.mentions.values(), key=lambda m: m.number)


@dataclass
class _BrandCounts:
    ingested: int = 0
    skipped: int = 0
    reads: int = 0
    lags: list[float] = field(default_factory=list)


class Poller:
    def __init__(
        self,
        store: IngestStore,
        x: MentionsReader,
        handoff: TriageHandoff,
        metrics: MetricsSink,
        clock: Clock,
        tuning: PollTuning | None = None,
    ) -> None:
        self.store = store
        self.x = x
        self.handoff = handoff
        self.metrics = metrics
        self.clock = clock
        self.tuning = tuning or PollTuning()

    # ------------------------------------------------------------------ the invocation
    def run(
        self, invocation_id: str, deadline: datetime, hard_deadline: datetime | None = None
    ) -> PollSummary:
        """Poll every enabled brand that is due once, then keep re-polling busy ones until `deadline`.

        The first round may run past `deadline` (a budget is for re-polls, not for skipping a brand),
        but never past `hard_deadline`, which the caller sets from the time the Lambda has left.
        """
        hard_deadline = hard_deadline or deadline
        summary = PollSummary()
        listing = self.store.list_brands()
        for invalid in listing.invalid:
            self._error(summary, "brand record is invalid", invalid)
        brands = [b for b in listing.brands if b.poll_enabled]
        summary.brands = len(brands)

        lease_until = max(deadline, hard_deadline) + timedelta(seconds=self.tuning.lease_slack_seconds)
        leased: list[Brand] = []
        for brand in brands:
            if self.store.acquire_lease(brand.id, invocation_id, lease_until, self.clock.now()):
                leased.append(brand)
            else:
                logger.info("another invocation is polling this brand", extra={"brand": brand.handle})
        try:
            states = {b.id: self.store.get_poll_state(b.id) for b in leased}
            for brand in leased:
                self._drain_pending(brand, summary)
            self._round(leased, states, hard_deadline, summary)
            while self._round(leased, states, deadline, summary, wait=True):
                pass
        finally:
            for brand in leased:
                self.store.release_lease(brand.id, invocation_id)
        return summary

    def _round(
        self,
        brands: list[Brand],
        states: dict[str, PollState],
        deadline: datetime,
        summary: PollSummary,
        wait: bool = False,
    ) -> bool:
        """Poll the brands that are due (sleeping until one is, if `wait`). False when time is up."""
        now = self.clock.now()
        if not brands or now >= deadline:
            return False
        due_at = {b.id: _due_at(states[b.id]) for b in brands}
        due = sorted((b for b in brands if due_at[b.id] <= now), key=lambda b: due_at[b.id])
        if not due:
            wake = min(due_at.values())
            if not wait or wake >= deadline:
                return False
            self.clock.sleep((wake - now).total_seconds())
            return True
        for brand in due:
            if self.clock.now() >= deadline:
                return False
            states[brand.id] = self._poll_brand(brand, states[brand.id], summary)
        return True

    # ------------------------------------------------------------------ one brand, once
    def _poll_brand(self, brand: Brand, state: PollState, summary: PollSummary) -> PollState:
        logger.append_keys(brand=brand.handle, brand_id=brand.id)
        counts = _BrandCounts()
        started = self.clock.now()
        summary.polls += 1
        try:
            new_state = self._attempt(brand, state, counts, summary, started)
            self.store.save_poll_state(brand.id, new_state)
            return new_state
        except Exception as exc:  # one brand's failure must not stop the others
            self._error(summary, "polling the brand failed", exc)
            return self._failed(state, exc, started, state.rate)
        finally:
            self._emit(counts)
            summary.reads += counts.reads
            summary.ingested += counts.ingested
            summary.skipped += counts.skipped
            logger.remove_keys(["brand", "brand_id"])

    def _attempt(
        self, brand: Brand, state: PollState, counts: _BrandCounts, summary: PollSummary, started: datetime
    ) -> PollState:
        try:
            chain = self._ingest_new(brand, counts, summary)
        except XRateLimited as exc:
            return self._blocked(state, exc, started, summary)
        except XError as exc:
            self._error(summary, "reading mentions failed", exc)
            return self._failed(state, exc, started, state.rate)
        rate = chain.rate or state.rate
        if isinstance(chain.failure, XRateLimited):
            return self._blocked(state, chain.failure, started, summary)
        if chain.failure is not None:
            # What was read is stored and the rest is a recorded gap; still, X failed and it counts.
            self._error(summary, "a page of mentions failed; the rest is recorded as a gap", chain.failure)
            return self._failed(state, chain.failure, started, rate)
        blocked = self._backfill_gaps(brand, counts, summary)
        if blocked is not None:
            return self._blocked(state, blocked, started, summary)
        self.metrics.add_metric("PollSucceeded", COUNT, 1)
        cadence = self.tuning.cadence
        interval = cadence.base_interval(bool(chain.mentions), state.interval_seconds)
        now = self.clock.now()
        return PollState(
            next_poll_at=cadence.next_poll_at(now, interval, rate),
            interval_seconds=interval,
            rate=rate,
            last_polled_at=started,
            last_success_at=now,
        )

    def _ingest_new(self, brand: Brand, counts: _BrandCounts, summary: PollSummary) -> _Chain:
        cursor = self.store.get_cursor(brand.id)
        now = self.clock.now()
        if cursor is not None:
            query = MentionsQuery(since_id=cursor.since_id, max_results=self.tuning.page_size)
            floor, from_time = cursor.number, cursor.created_at
        else:
            from_time = now - timedelta(seconds=self.tuning.initial_lookback_seconds)
            query = MentionsQuery(start_time=from_time, max_results=self.tuning.page_size)
            floor = 0
        chain = self._read_chain(brand, query, floor, counts)
        if not chain.mentions:
            if chain.failure is not None:
                raise chain.failure
            return chain
        if chain.failure is not None or chain.truncated:
            oldest = chain.oldest()
            gap = Gap(
                brand_id=brand.id,
                from_id=cursor.since_id if cursor else "0",
                to_id=oldest.id,
                from_time=from_time,
                to_time=oldest.created_at,
                reason=GapReason.PAGE_FAILED if chain.failure else GapReason.REACH_LIMIT,
                detected_at=now,
            )
            # Durable before the cursor passes it, or a crash in between would forget the hole.
            self.store.record_gap(gap)
            summary.gaps += 1
            self.metrics.add_metric("Gaps", COUNT, 1)
            logger.warning(
                "mentions between the cursor and the oldest one read are unreachable for now",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "reason": gap.reason.value},
            )
        stored = self._store_all(brand, chain.ascending(), counts, summary)
        newest = chain.newest()
        self.store.advance_cursor(brand.id, Cursor(newest.id, newest.created_at))
        # Triage after the cursor: a crash while starting executions then costs no second read of X.
        self._hand_off_all(stored, summary)
        return chain

    def _read_chain(self, brand: Brand, query: MentionsQuery, floor: int, counts: _BrandCounts) -> _Chain:
        chain = _Chain()
        token: str | None = None
        returned = 0
        for _ in range(self.tuning.max_pages):
            try:
                page = self.x.read_mentions(brand, replace(query, pagination_token=token))
            except XError as exc:
                chain.failure = exc
                return chain
            counts.reads += page.reads
            chain.rate = page.rate or chain.rate
            returned += len(page.mentions)
            for mention in page.mentions:
                if mention.number > floor:  # since_id is exclusive; never trust a page to honour it
                    chain.mentions.setdefault(mention.id, mention)
                else:
                    chain.reached_floor = True
            if not page.next_token:
                # X also ends the chain where its reach ends, with no sign of it but the length; "~800"
                # counts posts since deleted or withheld, so a chain within 5% of the reach counts as cut.
                chain.truncated = returned >= self.tuning.reach_limit * 0.95
                return chain
            token = page.next_token
        chain.truncated = True
        return chain

    # ------------------------------------------------------------------ storing and handing off
    def _store_all(
        self, brand: Brand, mentions: Iterable[Mention], counts: _BrandCounts, summary: PollSummary
    ) -> list[IngestedMention]:
        """Store mentions oldest first (so the first of a repeat is the one that counts).

        Returns the newly stored ones; those that are work still need `_hand_off_all`.
        """
        stored: list[IngestedMention] = []
        window = timedelta(seconds=_repeat_window(brand, self.tuning.repeat_window_seconds))
        for mention in mentions:
            reason = obvious_noise(mention, brand)
            if reason is None and window > timedelta(0):
                first = self.store.claim_text(
                    brand.id,
                    mention.author.id,
                    text_fingerprint(mention.text),
                    mention.id,
                    mention.created_at,
                    window,
                )
                reason = None if first else SkipReason.REPEAT
            now = self.clock.now()
            record = IngestedMention(
                brand_id=brand.id,
                mention=mention,
                status=MentionStatus.SKIPPED if reason else MentionStatus.PENDING,
                skip_reason=reason,
                ingested_at=now,
            )
            try:
                self.store.put_mention(record)
            except AlreadyIngested:
                summary.duplicates += 1
                continue
            stored.append(record)
            if reason is not None:
                counts.skipped += 1
            else:
                counts.ingested += 1
                counts.lags.append(max(0.0, (now - mention.created_at).total_seconds()))
        return stored

    def _hand_off_all(self, records: Iterable[IngestedMention], summary: PollSummary) -> None:
        for record in records:
            if record.status is MentionStatus.PENDING:
                self._hand_off(record, summary)

    def _hand_off(self, record: IngestedMention, summary: PollSummary) -> None:
        try:
            self.handoff.start(record)
        except HandoffFailed as exc:
            logger.warning(
                "triage not started; retried at the next poll",
                extra={"tweet_id": record.mention.id, "error": str(exc)},
            )
            return
        self.store.mark_handed_off(record.brand_id, record.mention.id, self.clock.now())
        summary.handed_off += 1

    def _drain_pending(self, brand: Brand, summary: PollSummary) -> None:
        """Hand off what an interrupted run stored but did not hand off."""
        try:
            pending = self.store.pending_handoffs(brand.id, self.tuning.handoff_batch)
            for record in pending:
                self._hand_off(record, summary)
        except Exception as exc:  # the brand's poll may still succeed; its pending wait for the next run
            self._error(summary, "handing off pending mentions failed", exc)

    # ------------------------------------------------------------------ gaps
    def _backfill_gaps(self, brand: Brand, counts: _BrandCounts, summary: PollSummary) -> XRateLimited | None:
        now = self.clock.now()
        retry = timedelta(seconds=self.tuning.gap_retry_seconds)
        for gap in self.store.open_gaps(brand.id):
            if gap.last_attempt_at is not None and now - gap.last_attempt_at < retry:
                continue
            # A window can hold more than X's reach; keep narrowing while each query recovers something.
            while gap.status is GapStatus.OPEN and gap.attempts < self.tuning.gap_max_attempts:
                recovered_before = gap.recovered
                gap, blocked = self._backfill(brand, gap, counts, summary)
                if blocked is not None:
                    return blocked
                if gap.recovered == recovered_before:
                    break
        return None

    def _backfill(
        self, brand: Brand, gap: Gap, counts: _BrandCounts, summary: PollSummary
    ) -> tuple[Gap, XRateLimited | None]:
        """One time-window query over the gap. The window starts at the cursor post itself, so seeing
        that post again proves the chain reached back across the whole gap."""
        # X takes whole seconds: the window is widened to the enclosing seconds, and until_id (which X
        # prefers to end_time) keeps the posts already stored at the upper boundary out of the bill.
        start = gap.from_time.replace(microsecond=0)
        end = gap.to_time.replace(microsecond=0) + timedelta(seconds=1)
        query = MentionsQuery(
            start_time=start, end_time=end, until_id=gap.to_id, max_results=self.tuning.page_size
        )
        chain = self._read_chain(brand, query, int(gap.from_id), counts)
        found = [m for m in chain.ascending() if gap.contains(m.id)]
        stored = self._store_all(brand, found, counts, summary)
        now = self.clock.now()
        progress = replace(
            gap, attempts=gap.attempts + 1, recovered=gap.recovered + len(stored), last_attempt_at=now
        )
        complete = chain.failure is None and not chain.truncated
        # Before any cursor there is no post to reach back to; a complete window is the best evidence.
        if complete and (chain.reached_floor or int(gap.from_id) == 0):
            progress = replace(progress, status=GapStatus.CLOSED, closed_at=now)
            summary.gaps_closed += 1
            logger.info(
                "gap closed",
                extra={"from_id": gap.from_id, "to_id": gap.to_id, "recovered": progress.recovered},
            )
        elif found:
            oldest = found[0]
            progress = replace(progress, to_id=oldest.id, to_time=oldest.created_at)
        self.store.save_gap(progress)
        self._hand_off_all(stored, summary)
        return progress, chain.failure if isinstance(chain.failure, XRateLimited) else None

    # ------------------------------------------------------------------ outcomes
    def _blocked(
        self, state: PollState, exc: XRateLimited, started: datetime, summary: PollSummary
    ) -> PollState:
        summary.rate_limited += 1
        now = self.clock.now()
        reset_at = (
            # A reset already past (clock skew, or the window just rolled over): wait one short interval.
            exc.reset_at
            if exc.reset_at > now
            else now + timedelta(seconds=self.tuning.cadence.min_interval_seconds)
        )
        logger.warning(
            "X rate limit reached; no request before the reset", extra={"reset_at": reset_at.isoformat()}
        )
        limit = state.rate.limit if state.rate else 0
        return replace(
            state,
            blocked_until=reset_at,
            next_poll_at=reset_at,
            rate=RateLimit(limit=limit, remaining=0, reset_at=reset_at),
            last_polled_at=started,
        )

    def _failed(
        self, state: PollState, exc: BaseException, started: datetime, rate: RateLimit | None
    ) -> PollState:
        errors = state.consecutive_errors + 1
        interval = self.tuning.cadence.error_interval(errors)
        now = self.clock.now()
        return replace(
            state,
            next_poll_at=self.tuning.cadence.next_poll_at(now, interval, rate),
            interval_seconds=interval,
            rate=rate,
            last_polled_at=started,
            consecutive_errors=errors,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )

    def _error(self, summary: PollSummary, message: str, exc: BaseException) -> None:
        summary.errors += 1
        self.metrics.add_metric("PollErrors", COUNT, 1)
        logger.error(
            message,
            extra={"error": f"{type(exc).__name__}: {exc}"},
            exc_info=not isinstance(exc, (XError, InvalidBrand)),
        )

    def _emit(self, counts: _BrandCounts) -> None:
        self.metrics.add_metric("XReads", COUNT, counts.reads)
        self.metrics.add_metric("MentionsIngested", COUNT, counts.ingested)
        self.metrics.add_metric("MentionsSkipped", COUNT, counts.skipped)
        for lag in counts.lags:
            self.metrics.add_metric("IngestLagSeconds", SECONDS, lag)


def _due_at(state: PollState) -> datetime:
    return max(t or _EPOCH for t in (state.next_poll_at, state.blocked_until))


def _repeat_window(brand: Brand, default: float) -> float:
    value = brand.settings.get("repeat_window_seconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return default
