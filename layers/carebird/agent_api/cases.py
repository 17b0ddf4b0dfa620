"""Finding and taking cases: GET /cases (the caller's queues, soonest due first), GET /cases/{id} (one case
in full), and claiming or giving one back. What else an agent does to a case: carebird.agent_api.case_actions;
replying on X: carebird.agent_api.replies."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from carebird.agent_api.etag import conditional
from carebird.agent_api.routing import (
    CONDITIONAL,
    NOT_MODIFIED,
    SECURED,
    AgentRouter,
    CaseId,
    Services,
    errors,
)
from carebird.agent_api.schemas import (
    AGENT_ID,
    QUEUE,
    CaseOut,
    CasesOut,
    CaseSummaryOut,
    CustomerDetailOut,
    DecisionOut,
    MessageOut,
    XCostOut,
)
from carebird.cases.model import CaseStatus
from carebird.casework.model import CaseDetail


def case_out(detail: CaseDetail) -> CaseOut:
    """One case in full, as GET /cases/{id} and every action that answers with the case shows it."""
    case = detail.case
    summary = CaseSummaryOut.of(case).model_dump()
    summary["customer"] = CustomerDetailOut(**summary["customer"], earlier_cases=detail.earlier_cases)
    return CaseOut(
        **summary,
        classification=case.classification,
        priority_score=case.priority_score,
        closed_reason=case.closed_reason,
        updated_at=case.updated_at,
        version=case.version,
        reasons=[DecisionOut(**d.model_dump()) for d in case.decisions],
        sla=detail.sla,
        thread=[MessageOut.of(m, detail.replies.get(m.id)) for m in detail.messages],
        presence=detail.presence,
        x_cost=XCostOut.of(detail.x_cost),
    )


def case_now(router: AgentRouter, case_id: str) -> CaseOut:
    """The case as the caller sees it after an action (read again: the action changed it)."""
    return case_out(router.services.casework().case(router.principal(), case_id))


def cases_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.get(
        "/cases",
        summary="Cases in your queues, soonest SLA due first",
        description=CONDITIONAL,
        tags=["cases"],
        security=SECURED,
        responses={**errors(403, 404, 422), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def list_cases(
        queue: Annotated[
            str | None, Query(pattern=QUEUE, description="one queue (default: all of yours)")
        ] = None,
        status: Annotated[CaseStatus | None, Query(description="default: every open status")] = None,
        assignee: Annotated[str | None, Query(pattern=AGENT_ID, description="an agent id, or `me`")] = None,
        q: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=100,
                description="search: the customer's @handle or name, or the text of their messages "
                "(case-insensitive)",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> CasesOut:
        p = router.principal()
        found = services.casework().list_cases(
            p, queue=queue, status=status, assignee=assignee, q=q, limit=limit
        )
        return CasesOut(cases=[CaseSummaryOut.of(c) for c in found])

    @router.get(
        "/cases/<case_id>",
        summary="One case: thread, customer, classification and reasons, SLA clock, who else is on it",
        description=CONDITIONAL,
        tags=["cases"],
        security=SECURED,
        responses={**errors(403, 404, 422), 304: NOT_MODIFIED},
        middlewares=[conditional],
    )
    def get_case(case_id: CaseId) -> CaseOut:
        return case_now(router, case_id)

    @router.post(
        "/cases/<case_id>/claim",
        summary="Claim the case; 409 naming the holder if someone has it",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def claim(case_id: CaseId) -> CaseOut:
        services.casework().claim(router.principal(), case_id)
        return case_now(router, case_id)

    @router.post(
        "/cases/<case_id>/unclaim",
        summary="Give the case back to its queue",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def unclaim(case_id: CaseId) -> CaseOut:
        services.casework().unclaim(router.principal(), case_id)
        return case_now(router, case_id)

    return router
