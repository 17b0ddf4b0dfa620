"""Poll every enabled brand's mentions and DMs into storage and hand each new one to triage exactly once.

Pure domain logic: it talks only to the ports in `carebird.ingest.ports`. A brand has two feeds, its
mentions timeline and its DM events, each with its own cursor, X rate limit and schedule (see
`carebird.ingest.cadence`); one lease per brand keeps overlapping invocations off both.

Why nothing is lost or duplicated, whatever point a run dies at:
- A feed's pages are read newest first down to its cursor, then written oldest first, in batches. Each
  write is conditional on the tweet or DM event id (`AlreadyIngested` is the normal answer to a retry).
- The cursor moves to the newest id of a batch only after every message up to it is stored, and only
  forwards. A run that dies before that re-reads the same range next time; the writes dedupe it.
- A message is stored as pending in the same write that makes it discoverable as pending, handed to
  triage under a name derived from its id (a second start of the same name is a no-op), and marked
  handed off afterwards. Pending messages left by a dead run are handed off by the next.
- Reading X is what cannot wait (a burst passes X's reach); handing off can, since pending messages
  are durable. So triage is started in the gaps, while no feed is due, and a slow Step Functions never
  delays a read. Nor does slow storage: a read that falls due while a batch is in the write pool
  happens then, and what it reads joins the backlog behind that batch.
- When X cannot page back to the mentions cursor (its ~800 reach, or a page that failed), the hole is
  recorded as a gap before the cursor moves, then filled from a time-window query, now or in a later
  run. DM events have no time-window query: a DM chain that fails midway keeps its cursor, so the next
  poll reads the whole range again.

Where each part lives:
- `run.PollRun`: one invocation (leases, rounds, the summary); `schedule.Scheduler`: which feed is due
  and when triage is started in between; `handoffs.Handoffs`: the hand-off queues.
- `mentions_feed.MentionsFeed` and `dm_feed.DmFeed`: one poll of a feed; `chains`: reading a chain of
  pages from X; `writes.MessageWriter`: storing what was read; `gaps.GapFiller`: the mentions' gaps.
- `context`: what the parts of a run share; `pool.WritePool`: the threads they write with.
"""

from __future__ import annotations

from datetime import datetime

from carebird.ingest.context import PollPorts
from carebird.ingest.pool import WritePool
from carebird.ingest.ports import (
    Clock,
    DmReader,
    IngestStore,
    MentionsReader,
    MentionsSearch,
    MetricsSink,
    SpendBudgets,
    TriageHandoff,
)
from carebird.ingest.run import PollRun
from carebird.ingest.summary import PollSummary
from carebird.ingest.tuning import PollTuning

__all__ = ["PollSummary", "PollTuning", "Poller"]


class Poller:
    """The poller a warm container keeps: its ports, tuning and write threads. Each `run` is a new
    `PollRun`, so no state of one invocation reaches the next."""

    def __init__(
        self,
        store: IngestStore,
        mentions: MentionsReader,
        handoff: TriageHandoff,
        metrics: MetricsSink,
        clock: Clock,
        tuning: PollTuning | None = None,
        dms: DmReader | None = None,
        spend: SpendBudgets | None = None,
        mentions_search: MentionsSearch | None = None,
    ) -> None:
        self.store = store
        self.mentions = mentions
        self.dms = dms  # None: DMs are not read (a deployment whose X app lacks DM access)
        self.handoff = handoff
        self.metrics = metrics
        self.clock = clock
        self.tuning = tuning or PollTuning()
        self.spend = spend  # None: no brand's X budget is watched (the spend is still counted)
        self.mentions_search = mentions_search  # None: gaps past the timeline's reach are lost to X
        self._pool = WritePool(self.tuning.write_concurrency)

    def run(
        self,
        invocation_id: str,
        deadline: datetime,
        hard_deadline: datetime | None = None,
        lease_until: datetime | None = None,
    ) -> PollSummary:
        """Poll every enabled brand's due feeds once, then keep re-polling busy ones until `deadline`.

        The first round may run past `deadline` (a budget is for re-polls, not for skipping a brand),
        but never past `hard_deadline`, which the caller sets from the time the Lambda has left; a feed
        that is still writing then stops after its current batch. `lease_until` is when this invocation
        is certainly over (the Lambda's timeout), so a run that was killed blocks nobody for long.
        """
        ports = PollPorts(
            self.store,
            self.mentions,
            self.dms,
            self.handoff,
            self.metrics,
            self.clock,
            self.tuning,
            self._pool,
            self.spend,
            self.mentions_search,
        )
        return PollRun(ports, hard_deadline or deadline).run(invocation_id, deadline, lease_until)
