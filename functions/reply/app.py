"""The agent API function (template.yaml: AgentApiFunction; this folder keeps the product's name for it,
functions/reply). It serves:

- every route of the agent API behind API Gateway (AgentApi, an HTTP API: payload format 2.0 events): the
  routers in carebird.agent_api, one per resource, with the case work behind them in carebird.casework;
- the agent inbox's web page at /inbox/, built into inbox/ beside this file (`make inbox`);
- every minute (its DeliveryReconcile schedule), the delivery reconciler, which settles replies a dead
  invocation left in flight (carebird.casework.reconcile).
"""

from __future__ import annotations

from carebird import coldstart

with coldstart.loading():  # no garbage collection while the code loads (carebird.coldstart)
    from pathlib import Path
    from typing import Any

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from carebird.agent_api import build_api
    from carebird.agent_api.inbox import InboxSite
    from carebird.observability import logger, metrics, tracer
    from carebird.wiring import agent_api as wiring
    from carebird.wiring.spend import flushes_x_spend

_api: APIGatewayHttpResolver | None = None
_INBOX_DIR = Path(__file__).resolve().parent / "inbox"


def _inbox() -> InboxSite:
    return wiring.inbox_site(_INBOX_DIR)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@flushes_x_spend  # what the invocation spent on X, written before Lambda may freeze it
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _api
    if event.get("detail-type") == "Scheduled Event":  # EventBridge: the DeliveryReconcile schedule
        return wiring.delivery_reconciler().run().as_dict()
    if _api is None:  # built on the first request, reused while the sandbox is warm
        _api = build_api(
            service=wiring.case_work_service,
            once=wiring.idempotency,
            reports=wiring.report_service,
            team=wiring.team_service,
            inbox=_inbox,
        )
    return _api.resolve(event, context)
