"""One invocation of the poller: its leases, rounds of feed polls, and what it leaves for triage.

Everything a run decides or counts (its summary, hand-off queues, the arrival rates that say a brand is
in a burst, when it must stop writing) lives on the `PollRun` made for it, never on the `Poller` that a
warm container keeps between invocations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from carebird.brands import Brand
from carebird.ingest.context import PollPorts, RunContext
from carebird.ingest.dm_feed import DmFeed
from carebird.ingest.handoffs import Handoffs
from carebird.ingest.mentions_feed import MentionsFeed
from carebird.ingest.model import Feed, LeasedBrand, PollState
from carebird.ingest.schedule import FeedKey, Scheduler
from carebird.ingest.summary import FeedCounts, PollSummary
from carebird.ingest.writes import MessageWriter
from carebird.metric_names import MetricName
from carebird.observability import logger


class FeedPoll(Protocol):
    """One feed's way of polling a brand (`MentionsFeed`, `DmFeed`): its new state, counted in `counts`."""

    def poll(self, brand: Brand, state: PollState, counts: FeedCounts, started: datetime) -> PollState: ...


class PollRun:
    def __init__(self, ports: PollPorts, hard_deadline: datetime) -> None:
        self._ports = ports
        self._ctx = RunContext(ports, stop_writing_at=hard_deadline)
        self._polls: dict[Feed, FeedPoll] = {}  # built once the run knows which feeds it polls
        # Per brand, its feeds' states that no write has saved yet (see `_save`).
        self._unsaved: dict[str, dict[Feed, PollState]] = {}

    def run(self, invocation_id: str, deadline: datetime, lease_until: datetime | None) -> PollSummary:
        """See `Poller.run`."""
        ctx, ports = self._ctx, self._ports
        hard_deadline = ctx.stop_writing_at
        listing = ports.store.list_brands()
        for invalid in listing.invalid:
            ctx.error("brand record is invalid", invalid)
        brands = [b for b in listing.brands if b.poll_enabled]
        ctx.summary.brands = len(brands)

        if lease_until is None:
            lease_until = max(deadline, hard_deadline) + timedelta(seconds=ports.tuning.lease_slack_seconds)
        leased: dict[str, tuple[Brand, LeasedBrand]] = {}
        for brand in brands:
            found = ports.store.acquire_lease(brand.id, invocation_id, lease_until, ports.clock.now())
            if found is not None:
                leased[brand.id] = (brand, found)
                ctx.stored_cursors.update({(brand.id, f): c for f, c in found.cursors.items()})
            else:
                logger.info("another invocation is polling this brand", extra={"brand": brand.handle})
        self._watch_budgets([brand for brand, _ in leased.values()])
        try:
            feeds = [(brand, feed) for brand, _ in leased.values() for feed in self._feeds(brand)]
            states = {
                (b.id, f): leased[b.id][1].states.get(f) or ports.store.get_poll_state(b.id, f)
                for b, f in feeds
            }
            handoffs = Handoffs(ctx, ports.handoff, feeds)
            writer = MessageWriter(ctx, handoffs)
            mentions = MentionsFeed(ctx, ports.mentions, writer)
            self._polls[Feed.MENTIONS] = mentions
            if ports.dms is not None:
                self._polls[Feed.DMS] = DmFeed(ctx, ports.dms, writer)
            scheduler = Scheduler(ctx, handoffs, self._poll, mentions.arrival_rate, self._save)
            for brand, feed in feeds:  # what a dead run left, before this run stores anything new
                handoffs.load(brand, feed)
            scheduler.round(feeds, states, hard_deadline)
            while scheduler.round(feeds, states, deadline, wait=True):
                pass
            # Past the budget, a brand in a burst is not left for the next invocation, which would read
            # it too late: its mentions go on being read until they slow down or time is up.
            while scheduler.round(scheduler.in_burst(feeds), states, hard_deadline, wait=True):
                pass
            # What is still pending, while nothing is due: the next invocation must find its polls on time.
            handoffs.hand_off(feeds, scheduler.handoff_until(states, hard_deadline))
        finally:
            # A round that moved no cursor left its states here: saved with the lease given up, one write.
            for brand_id in leased:
                try:
                    ports.store.release_lease(brand_id, invocation_id, self._unsaved.pop(brand_id, None))
                except Exception as exc:  # its lease runs out by itself; the other brands' are given up
                    ctx.error("giving up the brand's lease failed", exc)
        return ctx.summary

    def _watch_budgets(self, brands: list[Brand]) -> None:
        """Each brand's X spend today against its daily budget, as XBudgetUsedPercent (its alarm fires at
        80%) and a warning in the log from 80%. Mentions and DMs are never read less for it: X bills each
        post and DM event once a day whatever the polling cadence, so slowing reads would delay customers
        and save nothing. Past the budget, new authors' profiles wait (`carebird.ingest.profiles`)."""
        spend, ctx = self._ports.spend, self._ctx
        if spend is None:
            return
        today = ctx.clock.now().astimezone(UTC).date()
        for brand in brands:
            limit = brand.config.x_daily_budget_usd
            if limit is None:
                continue
            try:
                budget = spend.budget(brand.id, today, limit)
            except Exception as exc:  # the budget is a warning light: it never stops a poll
                ctx.error("reading the brand's X spend failed", exc)
                continue
            used = 100.0 * (budget.used or 0.0)
            self._ports.metrics.add_metric(MetricName.X_BUDGET_USED_PERCENT, "Percent", used)
            if budget.warning:
                logger.warning(
                    "X budget nearly or wholly spent",
                    extra={
                        "brand": brand.handle,
                        "spent_usd": str(budget.spent_usd),
                        "budget_usd": str(limit),
                    },
                )

    def _feeds(self, brand: Brand) -> list[Feed]:
        if self._ports.dms is None or not brand.config.poll_dms:
            return [Feed.MENTIONS]
        return [Feed.MENTIONS, Feed.DMS]

    def _poll(self, brand: Brand, feed: Feed, state: PollState) -> PollState:
        """Poll one feed of one brand once; its new state (saved by the round, `_save`). One brand's
        failure stops no other."""
        ctx = self._ctx
        logger.append_keys(brand=brand.handle, brand_id=brand.id, feed=feed.value)
        counts = FeedCounts()
        started = ctx.clock.now()
        ctx.summary.polls += 1
        try:
            return self._polls[feed].poll(brand, state, counts, started)
        except Exception as exc:  # one brand's failure must not stop the others
            ctx.error(f"polling the brand's {feed.value} failed", exc)
            return ctx.failed(state, exc, started, state.rate)
        finally:
            ctx.emit(feed, counts)
            logger.remove_keys(["brand", "brand_id", "feed"])

    def _save(self, polled: Sequence[tuple[Brand, Feed]], states: Mapping[FeedKey, PollState]) -> None:
        """Save what a round changed: per brand, its polled feeds' states and the cursors they reached,
        in one write, before what they stored is handed to triage (a run that dies then reads none of it
        from X again). A round that moved no cursor only changed when to poll next: its states wait for
        the next write of the brand, at the latest the lease's release, so a run that finds nothing writes
        the lease twice and nothing else. One brand's failure stops no other (its cursors not saved: read
        again next time)."""
        ctx = self._ctx
        for brand in {b.id: b for b, _ in polled}.values():
            mine = self._unsaved.setdefault(brand.id, {})
            mine.update({feed: states[(brand.id, feed)] for b, feed in polled if b.id == brand.id})
            cursors = ctx.take_cursors(brand.id)
            if not cursors:
                continue
            try:
                ctx.store.save_poll_states(brand.id, mine, cursors)
            except Exception as exc:
                ctx.error("saving the brand's poll state failed", exc)
                continue
            ctx.cursors_saved(brand.id, cursors)
            del self._unsaved[brand.id]
