"""Working a case once it is found: presence, internal notes, reassignment, resolving (one or a batch),
reopening, liking or following on X as the brand, and the lane of cases triage closed without a person
(listed and restored here, so that nothing is hidden from people). Finding and claiming cases:
carebird.agent_api.cases; replying: carebird.agent_api.replies."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from carebird.agent_api.cases import case_now
from carebird.agent_api.routing import SECURED, AgentRouter, CaseId, Services, errors
from carebird.agent_api.schemas import (
    BatchResolveBody,
    BatchResolveOut,
    CaseOut,
    CaseSummaryOut,
    ClosedCaseOut,
    ClosedCasesOut,
    FollowOut,
    LikeOut,
    MessageOut,
    NoteBody,
    PresenceBody,
    PresenceOut,
    ReasonBody,
    ReassignBody,
)

OptionalReason = Annotated[ReasonBody | None, Body()]
X_UNAVAILABLE: dict[int, Any] = {503: {"description": "X unavailable; retry"}}


def case_actions_router(services: Services) -> AgentRouter:
    router = AgentRouter(services)

    @router.put(
        "/cases/<case_id>/presence",
        summary="Say you have the case open (and whether you are typing); lists the other agents on it",
        description=(
            "A mark lasts 30 seconds: the page sends it again every few seconds while the case is open. "
            "The answer (and GET /cases/{id}) lists the other agents whose mark has not expired."
        ),
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 422),
    )
    def presence(case_id: CaseId, body: PresenceBody) -> PresenceOut:
        return PresenceOut(
            presence=services.casework().mark_presence(router.principal(), case_id, body.typing)
        )

    @router.post(
        "/cases/<case_id>/notes",
        summary="Add an internal note (never sent to the customer)",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 422),
    )
    def add_note(case_id: CaseId, body: NoteBody) -> Response[MessageOut]:
        message = services.casework().note(router.principal(), case_id, body.text)
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=MessageOut.of(message, None),
        )

    @router.post(
        "/cases/<case_id>/reassign",
        summary="Move the case to a queue or hand it to an agent (kept as a routing correction)",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def reassign(case_id: CaseId, body: ReassignBody) -> CaseSummaryOut:
        # The case may leave the caller's queues: answer with what they may still see of it.
        case = services.casework().reassign(
            router.principal(), case_id, queue=body.queue, agent_id=body.agent_id, reason=body.reason
        )
        return CaseSummaryOut.of(case)

    @router.post(
        "/cases/<case_id>/resolve",
        summary="Resolve the case",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def resolve(case_id: CaseId, body: OptionalReason = None) -> CaseOut:
        services.casework().resolve(router.principal(), case_id, body.reason if body else "")
        return case_now(router, case_id)

    @router.post(
        "/cases/<case_id>/like",
        summary="Like the customer's post on X as the brand (acknowledge praise in one action)",
        tags=["cases"],
        security=SECURED,
        responses={**X_UNAVAILABLE, **errors(403, 404, 409, 422)},
    )
    def like(case_id: CaseId) -> LikeOut:
        _, post_id = services.casework().like(router.principal(), case_id)
        return LikeOut(case_id=case_id, post_id=post_id)

    @router.post(
        "/cases/<case_id>/follow",
        summary="Follow the customer on X as the brand, so that they can DM (then reply with channel dm)",
        tags=["cases"],
        security=SECURED,
        responses={**X_UNAVAILABLE, **errors(403, 404, 409, 422)},
    )
    def follow(case_id: CaseId) -> FollowOut:
        case, following = services.casework().follow(router.principal(), case_id)
        customer = case.customer
        return FollowOut(
            case_id=case_id,
            user_id=customer.id,
            username=customer.username or customer.id,
            following=following,
        )

    @router.post(
        "/cases/resolve",
        summary="Resolve a batch of cases at once (the acknowledge lane's thank-yous)",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 422),
    )
    def resolve_batch(body: BatchResolveBody) -> BatchResolveOut:
        results = services.casework().resolve_many(router.principal(), body.case_ids, body.reason)
        return BatchResolveOut(results=results)

    @router.get(
        "/closed-automatically",
        summary="Cases triage closed without a person (sure spam), newest first: restore any in one action",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 422),
    )
    def closed_automatically(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ClosedCasesOut:
        found = services.casework().closed_automatically(router.principal(), limit)
        return ClosedCasesOut(
            cases=[
                ClosedCaseOut(
                    id=case.id,
                    customer=case.customer.username or case.customer.id,
                    closed_reason=case.closed_reason,
                    created_at=case.created_at,
                    text=text,
                )
                for case, text in found
            ]
        )

    @router.post(
        "/cases/<case_id>/restore",
        summary="Undo an automatic close: route the case to its queue; kept as a correction for training",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def restore(case_id: CaseId, body: OptionalReason = None) -> CaseSummaryOut:
        # The case usually leaves the triage queue: answer with what the caller may still see of it.
        restored = services.casework().restore(router.principal(), case_id, body.reason if body else "")
        return CaseSummaryOut.of(restored)

    @router.post(
        "/cases/<case_id>/reopen",
        summary="Reopen a resolved or closed case into its queue",
        tags=["cases"],
        security=SECURED,
        responses=errors(403, 404, 409, 422),
    )
    def reopen(case_id: CaseId, body: OptionalReason = None) -> CaseOut:
        services.casework().reopen(router.principal(), case_id, body.reason if body else "")
        return case_now(router, case_id)

    return router
