"""How a case changes: every action is a function of the current case, applied and saved under optimistic
locking; on a concurrent change the case is read again and the function applied again, so an action is
never half done. A claim (the ASSIGNMENT record, see carebird.storage.cases) can commit in the same
transaction as the change: of two agents claiming at once, exactly one gets it and the other is told who.
"""

from __future__ import annotations

from collections.abc import Callable

from carebird.brands.desk import TriageConfig, TriageConfigError
from carebird.cases import ports as case_ports
from carebird.cases.model import Agent, Case
from carebird.cases.ports import CaseConflict, CaseHeld
from carebird.casework.access import Access
from carebird.casework.context import CaseWorkContext
from carebird.casework.errors import (
    CaseTooLarge,
    Conflict,
    Invalid,
    NotFound,
    TransitionNotAllowed,
    UnknownAgent,
)
from carebird.metric_names import MetricName
from carebird.observability import logger
from carebird.sla import clocks, wakes

Change = Callable[[Case], Case | None]
MAX_CONFLICT_RETRIES = 5
# Longest reason (reassign, resolve, reopen) the service keeps: a decision stays small.
MAX_REASON = 500


def check_reason(reason: str) -> None:
    if len(reason) > MAX_REASON:
        raise Invalid(f"the reason is {len(reason)} characters; at most {MAX_REASON}", "reason_too_long")


class CaseChanges:
    def __init__(self, ctx: CaseWorkContext, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    def apply(self, case: Case, change: Change, claim_for: Agent | None = None) -> Case:
        """Apply `change` to the case and save it; on a concurrent change, re-read and apply it again.
        With `claim_for`, the case is given to that agent in the same transaction as the save."""
        cases, clock = self.ctx.cases, self.ctx.clock
        config: list[TriageConfig | None] = []  # the brand's calendars, read once if a clock needs them

        def brand_config() -> TriageConfig | None:
            if not config:
                config.append(self._clock_config(case.brand_id))
            return config[0]

        for _ in range(MAX_CONFLICT_RETRIES):
            updated = change(case)
            if updated is None:
                return case
            # Entering or leaving pending_customer pauses or resumes the resolution clock; once the change
            # is saved, the alarms of the clocks it moved are set and cleared (and legacy watches woken).
            updated, woken = clocks.settle(case, updated, clock(), brand_config)
            try:
                if claim_for is None:
                    saved = cases.save(updated)
                else:
                    saved = cases.save_claimed(updated, claim_for, clock())
            except CaseHeld as held:
                if held.holder != (claim_for.id if claim_for else None):
                    raise self.access.claimed_by(case.brand_id, case.id, held.holder) from None
                claim_for = None  # ours already (a retried request): save the change alone
                case = cases.get(case.id) or case
                continue
            except case_ports.CaseTooLarge as exc:
                logger.error("case too large to store", extra={"case_id": case.id})
                self.ctx.metrics.add_metric(MetricName.CASE_TOO_LARGE, "Count", 1)
                raise CaseTooLarge(
                    f"case {case.id} has grown past DynamoDB's item size limit (400 KB) and cannot be "
                    "stored; nothing was changed"
                ) from exc
            except CaseConflict:
                fresh = cases.get(case.id)
                if fresh is None:
                    raise NotFound(f"there is no case {case.id}") from None
                if fresh.version == case.version:
                    # Not a concurrent edit: the customer's conversation belongs to another open case.
                    raise TransitionNotAllowed(
                        f"the customer's conversation of case {case.id} continues in another open case"
                    ) from None
                case = fresh
                continue
            wakes.after_save(self.ctx.signals, cases, case, saved, woken)
            return saved
        raise Conflict(f"case {case.id} kept changing while this request tried to update it; try again")

    def _clock_config(self, brand_id: str) -> TriageConfig | None:
        """The brand's calendars for the SLA clocks; None (wall-clock time) if its config cannot load."""
        try:
            return self.access.config(brand_id)
        except (UnknownAgent, TriageConfigError):
            return None


class CaseJob:
    """One job of case work (claims, replies, ...): the shared context, who may see what, and the
    conflict-safe change every action goes through."""

    def __init__(self, ctx: CaseWorkContext, access: Access, changes: CaseChanges) -> None:
        self.ctx = ctx
        self.access = access
        self.changes = changes
