"""A poller wired to the in-memory fakes, plus the invariants every scenario must end in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from carebird.brands import Brand
from carebird.ingest.model import GapStatus, MentionStatus
from carebird.ingest.poll import Poller, PollSummary, PollTuning
from carebird.spend.book import SpendBook
from tests.support.ingest_fakes import (
    CrashPlan,
    FakeClock,
    FakeDms,
    FakeHandoff,
    FakeMetrics,
    FakeSearch,
    FakeStore,
    FakeX,
)


@dataclass
class World:
    clock: FakeClock = field(default_factory=FakeClock)
    crash: CrashPlan = field(default_factory=CrashPlan)
    tuning: PollTuning = field(default_factory=PollTuning)
    x_reach: int = 800
    x_limit: int = 180
    windows_bypass_reach: bool = True
    read_dms: bool = True
    # One writer, so that a crash point is the same side effect on every run of a scenario.
    write_concurrency: int = 1
    spend: SpendBook | None = None
    search: bool = False  # gaps the timeline no longer serves are read through recent search

    def __post_init__(self) -> None:
        self.tuning = replace(self.tuning, write_concurrency=self.write_concurrency)
        self.store = FakeStore(self.clock, self.crash)
        self.handoff = FakeHandoff(self.crash)
        self.metrics = FakeMetrics()
        self.x = FakeX(
            self.clock, reach=self.x_reach, limit=self.x_limit, windows_bypass_reach=self.windows_bypass_reach
        )
        self.dms = FakeDms(self.clock)
        self.search_x = FakeSearch(self.x)
        self.poller = Poller(
            self.store,
            self.x,
            self.handoff,
            self.metrics,
            self.clock,
            self.tuning,
            dms=self.dms if self.read_dms else None,
            spend=self.spend,
            mentions_search=self.search_x if self.search else None,
        )
        self.invocations = 0

    def add(self, brand: Brand) -> Brand:
        self.store.put_brand(brand)
        return brand

    def run(self, budget: float = 0.0, hard: float = 60.0) -> PollSummary:
        """One invocation: a first round of every due brand, then re-polls for `budget` seconds."""
        self.invocations += 1
        now = self.clock.now()
        return self.poller.run(
            f"inv-{self.invocations}", now + timedelta(seconds=budget), now + timedelta(seconds=hard)
        )

    def next_minute(self) -> None:
        """The schedule's next tick: leases of a dead run have expired, the brand is due."""
        self.clock.advance(120)

    def assert_exactly_once(self, brand: Brand, skipped_ids: frozenset[str] = frozenset()) -> None:
        posted = {m.id for m in self.x.posts_of(brand)}
        stored = {tid for (b, tid), _ in self.store.mentions.items() if b == brand.id}
        assert stored == posted, f"missing {sorted(posted - stored)}, unexpected {sorted(stored - posted)}"
        work = {
            m.mention.id
            for (b, _), m in self.store.mentions.items()
            if b == brand.id and m.status is not MentionStatus.SKIPPED
        }
        assert work == posted - skipped_ids
        executions = {name for name in self.handoff.executions if name.startswith(f"m-{brand.id}-")}
        assert executions == {f"m-{brand.id}-{tid}" for tid in work}, "each mention triaged exactly once"
        pending = [m for m in self.store.mentions.values() if m.status is MentionStatus.PENDING]
        assert pending == [], "nothing left waiting for triage"

    def assert_dms_exactly_once(self, brand: Brand) -> None:
        """Every DM of the brand's inbox stored once; each customer's DM handed to triage once."""
        sent = {e.id: e for e in self.dms.inbox(brand)}
        stored = {eid: d for (b, eid), d in self.store.dms.items() if b == brand.id}
        assert set(stored) == set(sent), f"missing {sorted(set(sent) - set(stored))}"
        customers = {eid for eid, e in sent.items() if e.sender.id != brand.user_id}
        work = {eid for eid, d in stored.items() if d.status is not MentionStatus.SKIPPED}
        assert work == customers, "the brand's own DMs are skipped, every customer's is work"
        executions = {n for n in self.handoff.executions if n.startswith(f"d-{brand.id}-")}
        assert executions == {f"d-{brand.id}-{eid}" for eid in work}, "each DM triaged exactly once"
        assert all(self.handoff.starts[f"d-{brand.id}-{eid}"] >= 1 for eid in work)
        pending = [d for d in stored.values() if d.status is MentionStatus.PENDING]
        assert pending == [], "no DM left waiting for triage"


def assert_nothing_passed_the_reach(w: World, brand: Brand) -> None:
    """Long chains may have lost their oldest end; each was checked by a time window, which re-read
    only the post at its cursor: a burst is read once, plus one read per check."""
    gaps = w.store.gaps(brand.id)
    assert all(g.status is GapStatus.CLOSED and g.recovered == 0 for g in gaps), gaps
    assert w.x.reads <= len(w.x.posts_of(brand)) + len(gaps)
