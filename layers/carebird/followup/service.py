"""Sending satisfaction surveys: once per resolved case, after the brand's delay, by DM where the customer
accepts DMs, otherwise as a public reply under their last post; opted-out customers are never asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from carebird.brands.settings import BrandSettings
from carebird.brands.settings import brand_settings as brand_settings_of
from carebird.brands.survey import InvalidSurveySettings as InvalidSurveySettings
from carebird.followup.model import Survey, SurveySettings, SurveyStatus
from carebird.metric_names import MetricName
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


def survey_settings(brand_settings: BrandSettings | Mapping[str, Any]) -> SurveySettings:
    return brand_settings_of(brand_settings).survey  # InvalidSurveySettings names the field


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
        brand_settings: Callable[[str], BrandSettings | Mapping[str, Any] | None],
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
        answer_by = now + timedelta(hours=settings.answer_timeout_hours)
        dm = self._deliverer.deliver(self._reply(survey, Channel.DM, text))
        if dm.status is DeliveryStatus.IN_PROGRESS:
            return None
        if dm.status is DeliveryStatus.DELIVERED:
            return survey.model_copy(
                update={"status": SurveyStatus.SENT, "sent_at": now, "channel": "dm", "answer_by": answer_by}
            )
        if survey.reply_to_tweet_id is None:
            return survey.model_copy(update={"status": SurveyStatus.FAILED, "note": f"DM failed: {dm.error}"})
        public = self._deliverer.deliver(self._reply(survey, Channel.PUBLIC, text))
        if public.status is DeliveryStatus.IN_PROGRESS:
            return None
        if public.status is DeliveryStatus.DELIVERED:
            note = f"DM not possible ({dm.error_code or dm.error}); asked publicly"
            return survey.model_copy(
                update={
                    "status": SurveyStatus.SENT, "sent_at": now, "channel": "public", "note": note,
                    "answer_by": answer_by,
                }
            )  # fmt: skip
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


class CaseActions(Protocol):
    def reopen_for_low_score(self, case_id: str, queue: str, score: int, text: str, at: datetime) -> None: ...

    def close_unanswered(self, case_id: str, at: datetime) -> None: ...


@dataclass(frozen=True)
class Answer:
    case_id: str
    score: int | None
    reopened: bool


class AnswerStore(Protocol):
    def awaiting_answer(self, brand_id: str, customer_id: str) -> Survey | None: ...

    def expired(self, now: datetime, limit: int) -> list[Survey]: ...

    def record(self, survey: Survey) -> bool:
        """Write the survey's new state if it is still sent and unanswered; False otherwise."""
        ...


class SurveyAnswers:
    """The customer's next message after a survey: a rating, recorded once, and a low one reopens the case."""

    def __init__(
        self,
        store: AnswerStore,
        cases: CaseActions,
        brand_settings: Callable[[str], BrandSettings | Mapping[str, Any] | None],
        metrics: Any,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._cases = cases
        self._brand_settings = brand_settings
        self._metrics = metrics
        self._clock = clock

    def answer(
        self, brand_id: str, customer_id: str, text: str, conversation_id: str | None, is_dm: bool
    ) -> Answer | None:
        """None when the message does not answer a survey (or gives no rating: then it is kept as the
        survey's unparsed answer and triaged like any message, since it may be a new problem)."""
        from carebird.followup.rating import parse_rating

        survey = self._store.awaiting_answer(brand_id, customer_id)
        if survey is None:
            return None
        if not is_dm and conversation_id not in survey.conversation_ids:
            return None
        now = self._clock()
        rating = parse_rating(text)
        if rating.score is None:
            self._store.record(survey.model_copy(update={"answer": text}))
            return None
        answered = survey.model_copy(
            update={
                "status": SurveyStatus.ANSWERED,
                "score": rating.score,
                "answer": text,
                "answered_at": now,
            }
        )
        if not self._store.record(answered):
            return Answer(survey.case_id, rating.score, reopened=False)  # a retried step: already counted
        self._metrics.add_metric(name=MetricName.CSAT, unit="Count", value=rating.score)
        settings = survey_settings(self._brand_settings(brand_id) or {})
        low = rating.score <= settings.low_score
        if low:
            self._cases.reopen_for_low_score(survey.case_id, settings.reopen_queue, rating.score, text, now)
        return Answer(survey.case_id, rating.score, reopened=low)

    def expire(self, limit: int = 50) -> int:
        """Close the cases whose survey went unanswered past the brand's timeout."""
        closed = 0
        now = self._clock()
        for survey in self._store.expired(now, limit):
            if self._store.record(survey.model_copy(update={"status": SurveyStatus.EXPIRED})):
                self._cases.close_unanswered(survey.case_id, now)
                closed += 1
        return closed


class ResolvedCaseSurveys:
    """Schedules the survey of a case an agent resolved (carebird.casework's ResolutionListener)."""

    def __init__(
        self,
        followup: FollowupService,
        brand_handle: Callable[[str], str | None],
        public_posts: Callable[[str], list[str]],
    ) -> None:
        self._followup = followup
        self._brand_handle = brand_handle
        self._public_posts = public_posts  # the customer's public post ids in the case, oldest first

    def case_resolved(self, case: Any, at: datetime) -> None:
        posts = self._public_posts(case.id)
        survey = Survey(
            case_id=case.id,
            brand_id=case.brand_id,
            brand_handle=self._brand_handle(case.brand_id) or "",
            customer_id=case.customer.id,
            customer_handle=case.customer.username,
            reply_to_tweet_id=posts[-1] if posts else None,
            conversation_ids=tuple(case.conversation_ids),
            due_at=at,
            queue=case.queue,
        )
        self._followup.schedule(survey, resolved_at=at)
