"""When each feed of a run is polled, and when triage is started in between.

Reading X is what cannot wait (a burst passes X's reach); handing off can, since pending messages are
durable. So triage is started in the gaps, while no feed is due, and a slow Step Functions never
delays a read. How often a feed is due is `carebird.ingest.cadence`'s business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from carebird.brands import Brand
from carebird.ingest.context import RunContext
from carebird.ingest.handoffs import Handoffs
from carebird.ingest.model import Feed, PollState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FeedKey = tuple[str, Feed]  # (brand id, feed)
PollOne = Callable[[Brand, Feed, PollState], PollState]
SaveRound = Callable[[Sequence[tuple[Brand, Feed]], Mapping[FeedKey, PollState]], None]


class Scheduler:
    def __init__(
        self,
        ctx: RunContext,
        handoffs: Handoffs,
        poll: PollOne,
        arrival_rate: Callable[[str], float],
        save: SaveRound,
    ) -> None:
        self._ctx = ctx
        self._handoffs = handoffs
        self._poll = poll
        self._save = save
        self._arrival_rate = arrival_rate  # mentions a second of a brand, by its last read

    def round(
        self,
        feeds: Sequence[tuple[Brand, Feed]],
        states: dict[FeedKey, PollState],
        deadline: datetime,
        wait: bool = False,
    ) -> bool:
        """Poll the feeds that are due (sleeping until one is, if `wait`). False when time is up."""
        clock = self._ctx.clock
        now = clock.now()
        if not feeds or now >= deadline:
            return False
        due_at = {(b.id, f): due(states[(b.id, f)]) for b, f in feeds}
        ready = sorted(
            (bf for bf in feeds if due_at[(bf[0].id, bf[1])] <= now), key=lambda bf: due_at[(bf[0].id, bf[1])]
        )
        if not ready:
            wake = min(due_at.values())
            if not wait or wake >= deadline:
                return False
            self._handoffs.hand_off(feeds, wake)
            clock.sleep(max(0.0, (wake - clock.now()).total_seconds()))
            return True
        polled: list[tuple[Brand, Feed]] = []
        for brand, feed in ready:
            if clock.now() >= deadline:
                break
            key = (brand.id, feed)
            states[key] = self._poll(brand, feed, states[key])
            polled.append((brand, feed))
        # One write per brand for what the round changed (its feeds' states and cursors), then triage.
        self._save(polled, states)
        for brand, feed in polled:
            self._handoffs.hand_off([(brand, feed)], self.handoff_until(states, deadline))
        return len(polled) == len(ready)

    def handoff_until(self, states: Mapping[FeedKey, PollState], deadline: datetime) -> datetime:
        """Until the next poll is due (or a short minimum), never past the run's hard deadline."""
        ctx = self._ctx
        least = ctx.clock.now() + timedelta(seconds=ctx.tuning.handoff_min_seconds)
        return min(ctx.stop_writing_at, max(_next_due(states), least))

    def in_burst(self, feeds: Sequence[tuple[Brand, Feed]]) -> list[tuple[Brand, Feed]]:
        """The mentions feeds whose last read says X's reach would not last until another run reads them."""
        tuning = self._ctx.tuning
        safe = tuning.cadence.reach_fraction * tuning.reach_limit
        return [
            (brand, feed)
            for brand, feed in feeds
            if feed is Feed.MENTIONS and self._arrival_rate(brand.id) * tuning.handover_seconds > safe
        ]


def due(state: PollState) -> datetime:
    return max(t or _EPOCH for t in (state.next_poll_at, state.blocked_until))


def _next_due(states: Mapping[FeedKey, PollState]) -> datetime:
    return min((due(state) for state in states.values()), default=_EPOCH)
