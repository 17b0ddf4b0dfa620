"""What a poll run counts: the summary the poll function returns, and one feed poll's counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from carebird.ingest.model import Feed
from carebird.metric_names import MetricName


@dataclass
class PollSummary:
    brands: int = 0
    polls: int = 0  # feed polls: a brand's mentions and its DMs count one each
    ingested: int = 0  # mentions stored as work and handed toward triage
    skipped: int = 0  # mentions stored as noise
    duplicates: int = 0  # read again after an interrupted run; the first write stood
    reads: int = 0  # posts X returned (what X bills)
    gaps: int = 0
    gaps_closed: int = 0
    gaps_lost: int = 0  # gaps X no longer serves: mentions in them may be missing (GapsLostToX)
    handed_off: int = 0  # triage executions started, for mentions and DMs
    rate_limited: int = 0
    errors: int = 0
    dms_ingested: int = 0  # customer DMs stored and handed toward triage
    dms_skipped: int = 0  # the brand's own DMs, stored for the record
    dm_reads: int = 0  # DM events X returned
    unreadable: int = 0  # posts X sent that the adapter could not read: stored raw, never triaged

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, feed: Feed, counts: FeedCounts) -> None:
        """One feed poll's reads and new messages, under the feed's own names."""
        if feed is Feed.MENTIONS:
            self.reads += counts.reads
            self.ingested += counts.ingested
            self.skipped += counts.skipped
        else:
            self.dm_reads += counts.reads
            self.dms_ingested += counts.ingested
            self.dms_skipped += counts.skipped


@dataclass
class FeedCounts:
    """One poll of one feed: what X billed, what was stored as work or as noise, and how late."""

    ingested: int = 0
    skipped: int = 0
    reads: int = 0
    lags: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class FeedMetrics:
    """The metric names of one feed."""

    reads: str  # what X billed
    ingested: str  # stored as work
    skipped: str  # stored as noise
    lag: str  # from the message's creation to its storing
    succeeded: str  # a poll that read the feed through


FEED_METRICS = {
    Feed.MENTIONS: FeedMetrics(
        MetricName.X_READS,
        MetricName.MENTIONS_INGESTED,
        MetricName.MENTIONS_SKIPPED,
        MetricName.INGEST_LAG_SECONDS,
        MetricName.POLL_SUCCEEDED,
    ),
    Feed.DMS: FeedMetrics(
        MetricName.X_DM_EVENT_READS,
        MetricName.DMS_INGESTED,
        MetricName.DMS_SKIPPED,
        MetricName.DM_INGEST_LAG_SECONDS,
        MetricName.DM_POLL_SUCCEEDED,
    ),
}
