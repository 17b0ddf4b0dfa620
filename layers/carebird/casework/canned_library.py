"""The brand's canned responses: every agent reads them (and replies with one, see carebird.casework.canned
for its placeholders); only supervisors write or delete them."""

from __future__ import annotations

from carebird.casework.context import CaseWorkContext
from carebird.casework.errors import Forbidden, NotFound
from carebird.casework.model import CannedResponse, Principal


class CannedLibrary:
    def __init__(self, ctx: CaseWorkContext) -> None:
        self.ctx = ctx

    def canned_responses(self, p: Principal) -> list[CannedResponse]:
        return sorted(self.ctx.canned.canned_responses(p.brand_id), key=lambda r: r.id)

    def put_canned_response(self, p: Principal, response_id: str, title: str, text: str) -> CannedResponse:
        if not p.is_supervisor:
            raise Forbidden("only supervisors manage canned responses")
        response = CannedResponse(
            id=response_id,
            brand_id=p.brand_id,
            title=title,
            text=text,
            updated_by=p.agent_id,
            updated_at=self.ctx.clock(),
        )
        self.ctx.canned.put_canned_response(response)
        return response

    def delete_canned_response(self, p: Principal, response_id: str) -> None:
        if not p.is_supervisor:
            raise Forbidden("only supervisors manage canned responses")
        if not self.ctx.canned.delete_canned_response(p.brand_id, response_id):
            raise NotFound(f"there is no canned response {response_id}")
