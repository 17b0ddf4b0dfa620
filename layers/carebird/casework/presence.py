"""Collision: who else has a case open right now, and whether they are typing a reply."""

from __future__ import annotations

from datetime import timedelta

from carebird.casework.access import Access
from carebird.casework.context import CaseWorkContext
from carebird.casework.model import Presence, Principal

# An agent's presence on a case lasts this long unless the page says so again (it does every ~10 s).
PRESENCE_SECONDS = 30


class CasePresence:
    def __init__(self, ctx: CaseWorkContext, access: Access) -> None:
        self.ctx = ctx
        self.access = access

    def mark(self, p: Principal, case_id: str, typing: bool) -> list[Presence]:
        """The agent has the case open (typing a reply, or not) for the next PRESENCE_SECONDS; returns the
        other agents present."""
        case = self.access.visible(p, case_id)
        until = self.ctx.clock() + timedelta(seconds=PRESENCE_SECONDS)
        mark = Presence(agent_id=p.agent_id, name=p.name or p.agent_id, typing=typing, until=until)
        self.ctx.presence.mark(case.id, mark)
        return self.others(case.id, p.agent_id)

    def others(self, case_id: str, me: str) -> list[Presence]:
        """The other agents whose mark on the case has not expired, by name."""
        now = self.ctx.clock()
        marks = [m for m in self.ctx.presence.present(case_id) if m.agent_id != me and m.until > now]
        return sorted(marks, key=lambda m: (m.name.casefold(), m.agent_id))
