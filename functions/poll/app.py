"""Poll function: on each schedule tick, ingest every brand's new mentions and DMs and hand them to triage.

Returns the run's counts: {brands, polls, ingested, skipped, duplicates, reads, gaps, gaps_closed, gaps_lost,
handed_off, rate_limited, errors, dms_ingested, dms_skipped, dm_reads}.
"""

from __future__ import annotations

from carebird import coldstart

with coldstart.loading():  # no garbage collection while the code loads (carebird.coldstart)
    from typing import Any

    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import BaseModel, ConfigDict

    from carebird.observability import logger, metrics, tracer
    from carebird.wiring.poll import PollRuntime, poll_runtime
    from carebird.wiring.spend import flushes_x_spend


class PollEvent(BaseModel):
    """An EventBridge scheduled event, or `{}` from `carebird poll`; only its id matters here."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None


runtime = poll_runtime  # replaced in tests by a runtime on fakes


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@flushes_x_spend  # what the invocation spent on X, written before Lambda may freeze it
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    poll_event = PollEvent.model_validate(event or {})
    invocation_id = poll_event.id or context.aws_request_id
    logger.set_correlation_id(invocation_id)
    rt: PollRuntime = runtime()
    summary = rt.run(invocation_id, context.get_remaining_time_in_millis() / 1000)
    logger.info("poll finished", extra={"summary": summary.as_dict()})
    return summary.as_dict()
