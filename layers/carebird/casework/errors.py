"""Why an agent's request is refused. Each has a stable `code` for clients and a message for people."""

from __future__ import annotations


class CaseworkError(Exception):
    code = "casework_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CaseworkError):
    """The case (or canned response) does not exist, or belongs to another brand."""

    code = "not_found"


class Forbidden(CaseworkError):
    """The case is in a queue the agent does not work, or the action needs a supervisor."""

    code = "forbidden"


class UnknownAgent(Forbidden):
    """The token names an agent with no record for its brand (removed, or never added)."""

    code = "unknown_agent"


class Conflict(CaseworkError):
    code = "conflict"


class ClaimedByOther(Conflict):
    """Someone else holds the case; `holder` is their agent id, `holder_name` their display name."""

    code = "claimed_by_other"

    def __init__(self, case_id: str, holder: str, holder_name: str | None = None) -> None:
        who = f"{holder_name} ({holder})" if holder_name and holder_name != holder else holder
        super().__init__(f"case {case_id} is claimed by {who}")
        self.holder = holder
        self.holder_name = holder_name or holder


class NotClaimed(Conflict):
    """Replying needs the case claimed by the agent who replies, so two agents never answer one customer."""

    code = "not_claimed"


class TransitionNotAllowed(Conflict):
    """The case's status does not allow this (reply to a resolved case, reopen an open one...)."""

    code = "invalid_transition"


class XUnavailable(CaseworkError):
    """X did not answer, or is rate limiting the brand: the same action may work later."""

    code = "x_unavailable"


class Invalid(CaseworkError):
    """The request is well formed but cannot be carried out as asked (an empty reply, an unknown queue)."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class CaseTooLarge(Invalid):
    """The case cannot be stored any more (DynamoDB's item size limit): named as such, never a conflict."""

    code = "case_too_large"
