"""Reply function: the agent API behind API Gateway (REST proxy events), and every minute (a schedule)
the delivery reconciler, which settles replies a dead invocation left in flight.

The routes live in carebird.agent_api; the case work behind them in carebird.casework. The agent inbox's
web page is built into inbox/ beside this file (`make inbox`) and served at /inbox/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from carebird.agent_api import build_api
from carebird.agent_api.inbox import InboxSite
from carebird.observability import logger, metrics, tracer
from carebird.wiring.agent_api import delivery_reconciler

_api: APIGatewayRestResolver | None = None
_INBOX_DIR = Path(__file__).resolve().parent / "inbox"


def _inbox() -> InboxSite:
    from carebird.wiring.agent_api import inbox_site

    return inbox_site(_INBOX_DIR)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _api
    if event.get("detail-type") == "Scheduled Event":  # EventBridge: the DeliveryReconcile schedule
        return delivery_reconciler().run().as_dict()
    if _api is None:  # built on the first request, reused while the sandbox is warm
        _api = build_api(inbox=_inbox)
    return _api.resolve(event, context)
