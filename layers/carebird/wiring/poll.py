"""Wiring for the poll function: settings -> adapters -> Poller, built once per warm container."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from carebird.adapters.aws.handoff import StepFunctionsHandoff
from carebird.adapters.x.client import secrets_manager_credentials
from carebird.adapters.x.dms import TweepyDmReader
from carebird.adapters.x.mentions import TweepyMentionsReader
from carebird.adapters.x.search import TweepyMentionsSearch
from carebird.adapters.x.users import TweepyUsersReader
from carebird.ingest.poll import Poller, PollSummary
from carebird.ingest.profiles import AuthorProfiles, ProfiledReader
from carebird.observability import metrics
from carebird.storage.authors import DynamoAuthorDirectory
from carebird.storage.ingest import DynamoIngestStore
from carebird.wiring.poll_settings import PollSettings, poll_settings
from carebird.wiring.spend import spend_book, spend_meter

# Time kept after the budget to finish the feed being polled (a page chain and its writes) and flush;
# a quarter of the time left when the function's timeout is short.
FINISH_RESERVE_SECONDS = 10.0
# Clock difference between Lambda hosts that a brand's lease allows for.
LEASE_SKEW_SECONDS = 2.0


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclass(frozen=True)
class PollRuntime:
    settings: PollSettings
    poller: Poller

    def run(self, invocation_id: str, remaining_seconds: float) -> PollSummary:
        """Poll until the budget is spent or the Lambda's remaining time says stop, whichever is first."""
        now = self.poller.clock.now()
        hard = max(0.0, remaining_seconds - min(FINISH_RESERVE_SECONDS, remaining_seconds / 4))
        budget = min(self.settings.poll_budget_seconds, hard)
        # Nothing of this invocation runs past the Lambda's timeout, so its leases need not outlive it:
        # a run killed by the timeout holds up the next one by seconds, not by a whole budget.
        lease_until = now + timedelta(seconds=remaining_seconds + LEASE_SKEW_SECONDS)
        return self.poller.run(
            invocation_id, now + timedelta(seconds=budget), now + timedelta(seconds=hard), lease_until
        )


@lru_cache(maxsize=1)
def poll_runtime() -> PollRuntime:
    settings = poll_settings()
    credentials = secrets_manager_credentials(settings.secret_max_age_seconds)
    meter = spend_meter(settings.table_name)
    base_url, timeout = settings.x_api_base_url, settings.x_timeout_seconds
    clock = SystemClock()
    max_age = timedelta(days=settings.author_profile_max_age_days)
    budgets = spend_book(settings.table_name)
    profiles = AuthorProfiles(
        # Kept a day past the age that still ranks a message, then left to DynamoDB's TTL.
        directory=DynamoAuthorDirectory(settings.table_name, keep_for=max_age + timedelta(days=1)),
        users=TweepyUsersReader(credentials, base_url, timeout_seconds=timeout, meter=meter),
        clock=clock,
        max_age=max_age,
        budgets=budgets,
    )
    mentions = TweepyMentionsReader(credentials, base_url, timeout_seconds=timeout, meter=meter)
    dms = TweepyDmReader(credentials, base_url, timeout_seconds=timeout, meter=meter)
    search = TweepyMentionsSearch(credentials, base_url, timeout_seconds=timeout, meter=meter)
    poller = Poller(
        store=DynamoIngestStore(settings.table_name),
        mentions=ProfiledReader(mentions, profiles),
        dms=ProfiledReader(dms, profiles) if settings.poll_dms else None,
        spend=budgets,
        handoff=StepFunctionsHandoff(settings.triage_state_machine_arn),
        metrics=metrics,
        clock=clock,
        tuning=settings.tuning(),
        mentions_search=ProfiledReader(search, profiles),
    )
    return PollRuntime(settings, poller)
