"""How the poller reads, writes and hands off: the knobs of `carebird.ingest.poll`, with their reasons."""

from __future__ import annotations

from dataclasses import dataclass, field

from carebird.ingest.cadence import Cadence


@dataclass(frozen=True)
class PollTuning:
    cadence: Cadence = field(default_factory=Cadence)
    initial_lookback_seconds: float = 3600.0  # a brand's first poll starts this far back
    repeat_window_seconds: float = 86400.0  # default; a brand may set settings.repeat_window_seconds
    reach_limit: int = 800  # how many mentions X lets a client page back through (see chains.py)
    cut_fraction: float = 0.75  # a chain this share of the reach long may have been cut (see chains.py)
    page_size: int = 100
    max_pages: int = 20  # a token chain longer than X's reach is a broken chain
    # An open gap is tried again this long after its last window, doubled for each window in a row that
    # got nothing, up to the max; it is never given up on while X may still serve it (see gaps.py).
    gap_retry_seconds: float = 300.0
    gap_retry_max_seconds: float = 3600.0
    gap_max_attempts: int = 20  # window queries after which an open gap is escalated (the tries go on)
    gap_windows_per_run: int = 10  # window queries a run's backfills may spend on one brand's gaps
    handoff_batch: int = 100
    # Triage starts get at least this long after a poll even when another poll is due: a feed that is
    # always due (a burst) must not starve triage.
    handoff_min_seconds: float = 0.5
    lease_slack_seconds: float = 30.0
    # Messages stored between two cursor moves: a run that must stop (or dies) midway keeps its progress,
    # and a read that falls due during a burst waits for one batch at most.
    write_batch: int = 50
    # Concurrent conditional writes and triage starts: DynamoDB's latency, not X, bounds a burst's pace.
    write_concurrency: int = 8
    # How long a brand may go unread between one run's last read and the next run's first: the
    # schedule's period, and more when the next start waits for this run to end. Past its budget, a
    # run goes on reading a feed whose mentions would fill `reach_fraction` of X's reach in that time.
    handover_seconds: float = 120.0
