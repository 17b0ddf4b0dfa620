"""In-memory fakes of the outbound ports, faithful to what the adapters promise.

FakeOutbox makes the same conditional writes as the DynamoDB outbox (tests/unit/outbound/
test_outbox_store.py runs the same contract on both). FakeX is X as a publisher sees it: the 2026 reply
rule, duplicate-content refusals, closed DMs, the brand's timeline for lookups, and a script of failures,
including the one that matters most here: X creating the post and the answer never arriving.
A CrashPlan (shared with the ingestion fakes) kills the "process" before or after any side effect.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from carebird.brands import Brand
from carebird.outbound.errors import (
    DmNotAllowed,
    DuplicateContent,
    OutcomeUnknown,
    ReplyNotAllowed,
    ReplyTargetGone,
)
from carebird.outbound.model import PartRecord, PartStatus, ReplyRecord
from carebird.outbound.ports import PartContended
from carebird.ports.x import TransientXError, XBadRequest, XRateLimited
from tests.support.ingest_fakes import CrashPlan, FakeClock

BRAND = Brand(handle="AcmeHelp", user_id="1000", credentials_secret="carebird/test/x/acme")
CUSTOMER_ID = "2000"
DUPLICATE_WINDOW = timedelta(hours=1)


class FakeBrands:
    def __init__(self, *brands: Brand) -> None:
        self.brands = {b.id: b for b in brands}

    def get_brand(self, brand_id: str) -> Brand | None:
        return self.brands.get(brand_id)


class FakeOutbox:
    def __init__(self, crash: CrashPlan | None = None) -> None:
        self.crash = crash or CrashPlan()
        self.replies_by_key: dict[tuple[str, str], ReplyRecord] = {}
        self.records: dict[tuple[str, str, int], PartRecord] = {}
        self.writes: Counter[str] = Counter()
        self.settled: set[tuple[str, str]] = set()

    def _effect(self, name: str) -> None:
        self.crash.tick(f"before:{name}")
        self.writes[name] += 1

    def open_reply(self, reply: ReplyRecord) -> ReplyRecord:
        key = (reply.case_id, reply.reply_id)
        if key in self.replies_by_key:
            return self.replies_by_key[key]
        self._effect("open_reply")
        self.replies_by_key[key] = reply
        self.crash.tick("after:open_reply")
        return reply

    def reply(self, case_id: str, reply_id: str) -> ReplyRecord | None:
        return self.replies_by_key.get((case_id, reply_id))

    def unsettled(self, opened_before: datetime, limit: int = 100) -> list[ReplyRecord]:
        found = [
            r
            for key, r in self.replies_by_key.items()
            if key not in self.settled and r.created_at < opened_before
        ]
        return sorted(found, key=lambda r: (r.created_at, r.case_id, r.reply_id))[:limit]

    def settle(self, case_id: str, reply_id: str) -> None:
        self.settled.add((case_id, reply_id))

    def replies(self, case_id: str) -> list[ReplyRecord]:
        mine = [r for (c, _), r in self.replies_by_key.items() if c == case_id]
        return sorted(mine, key=lambda r: (r.created_at, r.reply_id))

    def parts(self, case_id: str, reply_id: str) -> dict[int, PartRecord]:
        return {i: r for (c, rid, i), r in self.records.items() if (c, rid) == (case_id, reply_id)}

    def claim_part(
        self, case_id: str, reply_id: str, claim: PartRecord, expected_attempt: str | None
    ) -> None:
        key = (case_id, reply_id, claim.index)
        current = self.records.get(key)
        if (current.attempt_id if current else None) != expected_attempt or (
            current is not None and current.status is PartStatus.SENT
        ):
            raise PartContended(str(key))
        self._effect("claim")
        self.records[key] = replace(claim, status=PartStatus.PENDING)
        self.crash.tick("after:claim")

    def _update(self, case_id: str, reply_id: str, index: int, attempt_id: str, **changes: object) -> None:
        key = (case_id, reply_id, index)
        current = self.records.get(key)
        if current is None or current.attempt_id != attempt_id:
            raise PartContended(str(key))
        self.records[key] = replace(current, **changes)  # type: ignore[arg-type]

    def mark_sent(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, x_id: str, at: datetime
    ) -> None:
        self._effect("mark_sent")
        self._update(
            case_id, reply_id, index, attempt_id, status=PartStatus.SENT, x_id=x_id, updated_at=at,
            error_code=None, error_message=None, retry_at=None,
        )  # fmt: skip
        self.crash.tick("after:mark_sent")

    def mark_failed(
        self,
        case_id: str,
        reply_id: str,
        index: int,
        attempt_id: str,
        *,
        code: str,
        message: str,
        at: datetime,
        retry_at: datetime | None = None,
        may_exist: bool = False,
    ) -> None:
        self._effect("mark_failed")
        self._update(
            case_id, reply_id, index, attempt_id, status=PartStatus.FAILED, error_code=code,
            error_message=message, retry_at=retry_at, may_exist=may_exist, updated_at=at,
        )  # fmt: skip
        self.crash.tick("after:mark_failed")

    def mark_unconfirmed(
        self, case_id: str, reply_id: str, index: int, attempt_id: str, *, message: str, at: datetime
    ) -> None:
        self._effect("mark_unconfirmed")
        self._update(
            case_id, reply_id, index, attempt_id, lease_until=at, error_code="unconfirmed",
            error_message=message, may_exist=True, updated_at=at,
        )  # fmt: skip
        self.crash.tick("after:mark_unconfirmed")


@dataclass(frozen=True)
class XPost:
    id: str
    author_id: str
    in_reply_to: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class XDm:
    id: str
    sender_id: str
    recipient_id: str
    text: str
    created_at: datetime


class FakeX:
    """Scripted outcomes for the next writes: "ok", "503" (nothing created), "503-after" (created, then
    no answer), "connect" (never reached X), "429:<seconds>". For lookups: "lag" (the timeline does not
    show it yet), "429", "503"."""

    def __init__(self, clock: FakeClock, crash: CrashPlan | None = None) -> None:
        self.clock = clock
        self.crash = crash or CrashPlan()
        self.posts: dict[str, XPost] = {}
        self.dms: list[XDm] = []
        self.mentioning_brand: set[str] = set()
        self.closed_dms: set[str] = set()
        self.likes: set[str] = set()
        self.following: set[str] = set()
        self.script: list[str] = []
        self.lookup_script: list[str] = []
        self.calls: Counter[str] = Counter()
        self._next_id = 1790000000000000100

    def _mint(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def customer_post(
        self, text: str = "@AcmeHelp where is my order?", *, mentions_brand: bool = True
    ) -> str:
        post = XPost(self._mint(), CUSTOMER_ID, None, text, self.clock.now())
        self.posts[post.id] = post
        if mentions_brand:
            self.mentioning_brand.add(post.id)
        return post.id

    def brand_posts(self) -> list[XPost]:
        return [p for p in self.posts.values() if p.author_id == BRAND.user_id]

    def _scripted(self, kind: str) -> str:
        self.crash.tick(f"before:{kind}")
        self.calls[kind] += 1
        action = self.script.pop(0) if self.script else "ok"
        if action == "503":
            raise OutcomeUnknown("X answered 503 Service Unavailable")
        if action == "connect":
            raise TransientXError("X unreachable: connect timed out")
        if action.startswith("429:"):
            raise XRateLimited(self.clock.now() + timedelta(seconds=float(action[4:])))
        return action

    def post_reply(self, brand: Brand, in_reply_to_id: str, text: str) -> str:
        action = self._scripted("post")
        parent = self.posts.get(in_reply_to_id)
        if parent is None:
            raise ReplyTargetGone(
                "403 You attempted to reply to a Tweet that is deleted or not visible to you."
            )
        if parent.author_id != brand.user_id and in_reply_to_id not in self.mentioning_brand:
            raise ReplyNotAllowed(
                "403 Reply to this conversation is not allowed because you have not been mentioned"
            )
        horizon = self.clock.now() - DUPLICATE_WINDOW
        if any(p.text == text and p.created_at >= horizon for p in self.brand_posts()):
            raise DuplicateContent("403 You are not allowed to create a Tweet with duplicate content.")
        post = XPost(self._mint(), brand.user_id, in_reply_to_id, text, self.clock.now())
        self.posts[post.id] = post
        if action == "503-after":
            raise OutcomeUnknown("no answer from X to the post: ReadTimeout")
        self.crash.tick("after:post")
        return post.id

    def like(self, brand: Brand, post_id: str) -> None:
        self._scripted("like")
        if post_id not in self.posts:
            raise XBadRequest(f"404 Could not find tweet with tweet_id: [{post_id}].")
        self.likes.add(post_id)

    def follow(self, brand: Brand, user_id: str) -> bool:
        self._scripted("follow")
        self.following.add(user_id)
        return True

    def send_dm(self, brand: Brand, participant_id: str, text: str) -> str:
        action = self._scripted("dm")
        if participant_id in self.closed_dms:
            raise DmNotAllowed("403 You cannot send messages to this user.")
        dm = XDm(self._mint(), brand.user_id, participant_id, text, self.clock.now())
        self.dms.append(dm)
        if action == "503-after":
            raise OutcomeUnknown("no answer from X to the direct message: ReadTimeout")
        self.crash.tick("after:dm")
        return dm.id

    def _lookup(self) -> bool:
        self.calls["lookup"] += 1
        action = self.lookup_script.pop(0) if self.lookup_script else "ok"
        if action == "429":
            raise XRateLimited(self.clock.now() + timedelta(minutes=15))
        if action == "503":
            raise TransientXError("X server error: 503")
        return action != "lag"

    def find_reply(self, brand: Brand, in_reply_to_id: str, text: str, since: datetime) -> str | None:
        if not self._lookup():
            return None
        for post in reversed(self.brand_posts()):
            if post.in_reply_to == in_reply_to_id and post.text == text and post.created_at >= since:
                return post.id
        return None

    def find_dm(self, brand: Brand, participant_id: str, text: str, since: datetime) -> str | None:
        if not self._lookup():
            return None
        for dm in reversed(self.dms):
            if dm.recipient_id == participant_id and dm.text == text and dm.created_at >= since:
                return dm.id
        return None

    def thread_under(self, post_id: str) -> list[XPost]:
        """The brand's posts chained below `post_id`, each replying to the one before."""
        chain: list[XPost] = []
        parent = post_id
        while True:
            children = [p for p in self.brand_posts() if p.in_reply_to == parent]
            if not children:
                return chain
            assert len(children) == 1, f"{len(children)} brand replies under {parent}: posted twice"
            chain.append(children[0])
            parent = children[0].id
