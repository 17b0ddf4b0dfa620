"""Acting on X as the brand without posting: liking the customer's post (acknowledging praise in one
action) and following the customer (so one with closed DMs can message the brand). Each is kept on the
case as a decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carebird.cases.model import Case, Channel, Decision
from carebird.casework.changes import CaseJob
from carebird.casework.errors import Invalid, NotFound, XUnavailable
from carebird.casework.model import Principal
from carebird.casework.ports import XEngagement


class Engagement(CaseJob):
    def like(self, p: Principal, case_id: str) -> tuple[Case, str]:
        """Like the customer's first post of the case (acknowledging praise in one action)."""
        case = self.access.visible(p, case_id)
        first = next(
            (
                m
                for m in self.ctx.cases.messages(case.id)
                if m.direction == "in" and m.channel is Channel.PUBLIC
            ),
            None,
        )
        if first is None:
            raise Invalid(f"case {case_id} has no public post to like (a DM case)")
        self._on_x(case, lambda engagement, brand: engagement.like(brand, first.id), "like")
        now = self.ctx.clock()
        done = self.changes.apply(
            case,
            lambda current: current.with_decision(
                Decision(
                    at=now, kind="liked", value=first.id, reason=f"liked by {p.agent_id}", by=p.agent_id
                ),
                updated_at=now,
            ),
        )
        return done, first.id

    def follow(self, p: Principal, case_id: str) -> tuple[Case, bool]:
        """Follow the customer as the brand: on X a user with closed DMs takes messages from accounts
        they follow, so "follow me so I can DM you" needs this before the DM. (case, following):
        following is False while a protected account has not approved the follow."""
        case = self.access.visible(p, case_id)
        following = self._on_x(
            case, lambda engagement, brand: engagement.follow(brand, case.customer.id), "follow"
        )
        now = self.ctx.clock()
        what = "followed" if following else "follow requested (the account approves followers)"
        done = self.changes.apply(
            case,
            lambda current: current.with_decision(
                Decision(
                    at=now,
                    kind="followed",
                    value=case.customer.id,
                    reason=f"{what} by {p.agent_id}: the customer can DM the brand",
                    by=p.agent_id,
                ),
                updated_at=now,
            ),
        )
        return done, bool(following)

    def _on_x(self, case: Case, act: Callable[[XEngagement, Any], Any], what: str) -> Any:
        from carebird.outbound.errors import XRefused
        from carebird.ports.x import TransientXError, XAuthError, XBadRequest, XRateLimited

        engagement = self.ctx.engagement
        if engagement is None:
            raise Invalid(f"this deployment cannot {what} on X", code="not_configured")
        brand = self.ctx.brands.get_brand(case.brand_id)
        if brand is None:
            raise NotFound(f"brand {case.brand_id} is not registered")
        try:
            return act(engagement, brand)
        except (XRateLimited, TransientXError) as exc:
            raise XUnavailable(f"X did not take the {what}: {exc}; try again") from None
        except (XRefused, XAuthError, XBadRequest) as exc:
            raise Invalid(f"X refused the {what}: {exc}", code="x_refused") from None
