"""Reading a gap through X's recent search once the mentions timeline no longer serves it.

The timeline serves only the ~800 most recent mentions; recent search (`@handle -from:handle`) serves
the last 7 days of them however many came since. A gap the timeline answered in full with nothing is
read here instead, from its upper end (until_id) down to its cursor post (since_id one below it, so
that the post itself comes back, as in the timeline's windows).

What "lost to X" means with search:
- the whole stretch is older than search's 7 days: nothing can read it (lost);
- only its lower part is: search reads the rest, and the gap is lost for what lies before the horizon;
- search answered in full and the cursor post itself did not come back: search matches differently from
  the timeline there (a quote that never names the brand, a post deleted or made protected since), so
  the stretch cannot be vouched for: lost, for a person, after storing what search did find.
Only a search that answered in full and came back down to the cursor post closes the gap as filled.
A search that failed, was cut short or could not run now (its rate limit, the run's time) leaves the
gap open; it is tried again on the gaps' back-off.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from carebird.ingest.model import Gap, MentionsQuery

SEARCH_WINDOW = timedelta(days=7)  # X's recent search serves the last 7 days
# Kept off the edge of search's window: X measures it by its own clock, and a page of the chain may be
# asked for a little later than the first.
HORIZON_MARGIN = timedelta(minutes=5)


class SearchOutcome(enum.Enum):
    FILLED = "filled"  # read down to the cursor post: close the gap
    LOST = "lost"  # part or all of the stretch cannot be read by search: for a person
    NARROWED = "narrowed"  # cut short after reading some: the gap's upper end moves down, still open
    RETRY = "retry"  # failed or got nothing usable yet: still open, tried again on the back-off


@dataclass(frozen=True)
class SearchPlan:
    query: MentionsQuery
    whole: bool  # the query reaches the gap's cursor post (its lower end is within search's 7 days)
    horizon: datetime


def horizon(now: datetime) -> datetime:
    """The oldest moment a search asked for now may safely reach back to."""
    return now - SEARCH_WINDOW + HORIZON_MARGIN


def plan(gap: Gap, now: datetime, page_size: int) -> SearchPlan | None:
    """The search over the gap's stretch, or None when all of it is older than search's 7 days."""
    oldest = horizon(now)
    if gap.to_time <= oldest:
        return None
    below = int(gap.from_id) - 1
    whole = gap.from_time > oldest
    if whole and below > 0:
        query = MentionsQuery(since_id=str(below), until_id=gap.to_id, max_results=page_size)
    else:
        # X takes whole seconds; start_time is rounded up so it is never before the horizon.
        start = oldest.replace(microsecond=0) + timedelta(seconds=1)
        query = MentionsQuery(start_time=max(start, gap.from_time), until_id=gap.to_id, max_results=page_size)
    return SearchPlan(query=query, whole=whole, horizon=oldest)


def outcome(
    search: SearchPlan, *, complete: bool, reached_cursor: bool, found: int, before_any_cursor: bool
) -> SearchOutcome:
    """What one search over the gap settles. `complete`: it answered in full (no failure, not cut);
    `reached_cursor`: the gap's cursor post came back; `found`: mentions inside the gap it returned."""
    if not complete:
        return SearchOutcome.NARROWED if found else SearchOutcome.RETRY
    if not search.whole:
        return SearchOutcome.LOST
    if reached_cursor or before_any_cursor:
        return SearchOutcome.FILLED
    return SearchOutcome.LOST
