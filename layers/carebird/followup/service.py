"""Sending satisfaction surveys: once per resolved case, after the brand's delay, by DM where the customer
accepts DMs, otherwise as a public reply under their last post; opted-out customers are never asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from carebird.followup.model import Survey, SurveySettings, SurveyStatus
from carebird.outbound.model import Channel, DeliveryResult, DeliveryStatus, OutgoingReply


class SurveyStore(Protocol):
    def schedule(self, survey: Survey) -> bool:
        """Store a new survey; False if the case already has one (a duplicate trigger)."""
        ...

    def due(self, now: datetime, limit: int) -> list[Survey]: ...

    def finish(self, survey: Survey) -> bool:
        """Record the survey's new state if it is still due; False if another run got there first."""
        ...


class Deliver(Protocol):
    def deliver(self, reply: OutgoingReply) -> DeliveryResult: ...


class InvalidSurveySettings(ValueError):
    pass


def survey_settings(brand_settings: dict[str, Any]) -> SurveySettings:
    try:
        return SurveySettings.model_validate(brand_settings.get("survey") or {})
    except ValidationError as exc:
        problems = "; ".join(f"survey.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidSurveySettings(problems) from None


@dataclass
class SweepResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    pending: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "skipped": self.skipped, "failed": self.failed, "pending": self.pending}


class FollowupService:
    def __init__(
        self,
        store: SurveyStore,
        deliverer: Deliver,
        brand_settings: Callable[[str], dict[str, Any] | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._deliverer = deliverer
        self._brand_settings = brand_settings
        self._clock = clock

    def schedule(self, survey: Survey, resolved_at: datetime) -> bool:
        """Called when a case is resolved. A second trigger for the same case schedules nothing."""
        settings = survey_settings(self._brand_settings(survey.brand_id) or {})
        due = survey.model_copy(update={"due_at": resolved_at + timedelta(minutes=settings.delay_minutes)})
        return self._store.schedule(due)

    def sweep(self, limit: int = 50) -> SweepResult:
        result = SweepResult()
        now = self._clock()
        for survey in self._store.due(now, limit):
            finished = self._send(survey, now)
            if finished is None:
                result.pending += 1  # X is busy (5xx, 429): the next sweep resumes the same delivery
                continue
            if not self._store.finish(finished):
                continue  # a concurrent sweep already handled it
            if finished.status is SurveyStatus.SENT:
                result.sent += 1
            elif finished.status is SurveyStatus.SKIPPED:
                result.skipped += 1
            else:
                result.failed += 1
        return result

    def _send(self, survey: Survey, now: datetime) -> Survey | None:
        settings = survey_settings(self._brand_settings(survey.brand_id) or {})
        if not settings.enabled:
            return survey.model_copy(
                update={"status": SurveyStatus.SKIPPED, "note": "the brand does not survey"}
            )
        if survey.customer_id in settings.opted_out:
            return survey.model_copy(
                update={"status": SurveyStatus.SKIPPED, "note": "the customer opted out"}
            )
        text = settings.text_for(survey)
        dm = self._deliverer.deliver(self._reply(survey, Channel.DM, text))
        if dm.status is DeliveryStatus.IN_PROGRESS:
            return None
        if dm.status is DeliveryStatus.DELIVERED:
            return survey.model_copy(update={"status": SurveyStatus.SENT, "sent_at": now, "channel": "dm"})
        if survey.reply_to_tweet_id is None:
            return survey.model_copy(update={"status": SurveyStatus.FAILED, "note": f"DM failed: {dm.error}"})
        public = self._deliverer.deliver(self._reply(survey, Channel.PUBLIC, text))
        if public.status is DeliveryStatus.IN_PROGRESS:
            return None
        if public.status is DeliveryStatus.DELIVERED:
            note = f"DM not possible ({dm.error_code or dm.error}); asked publicly"
            return survey.model_copy(
                update={"status": SurveyStatus.SENT, "sent_at": now, "channel": "public", "note": note}
            )
        return survey.model_copy(
            update={"status": SurveyStatus.FAILED, "note": f"DM: {dm.error}; public reply: {public.error}"}
        )

    @staticmethod
    def _reply(survey: Survey, channel: Channel, text: str) -> OutgoingReply:
        return OutgoingReply(
            case_id=survey.case_id,
            reply_id=f"survey-{channel.value}",  # stable: a retried sweep resumes, never re-asks
            brand_id=survey.brand_id,
            channel=channel,
            customer_id=survey.customer_id,
            customer_handle=survey.customer_handle,
            in_reply_to_tweet_id=survey.reply_to_tweet_id if channel is Channel.PUBLIC else None,
            text=text,
        )
