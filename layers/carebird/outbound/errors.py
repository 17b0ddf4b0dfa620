"""Why a reply did not reach X, typed. X's own failures extend `carebird.ports.x`.

Each X refusal carries a stable `code` (stored on the part, returned to the agent API) and a message an
agent can act on. Rate limits (`XRateLimited`), X being unavailable (`TransientXError`) and bad
credentials (`XAuthError`) are the shared types of `carebird.ports.x`.
"""

from __future__ import annotations

from carebird.ports.x import TransientXError, XError


class XRefused(XError):
    """X answered 403 to this post or message for a reason other than the credentials: sending it again
    will not help."""

    code = "refused"


class ReplyNotAllowed(XRefused):
    """X's rule since 2026: an app may reply only to a post whose author mentioned or quoted the brand."""

    code = "reply_not_allowed"


class ReplyTargetGone(XRefused):
    """The post to reply under was deleted or is no longer visible to the brand."""

    code = "reply_target_gone"


class DmNotAllowed(XRefused):
    """The customer does not accept direct messages from the brand."""

    code = "dm_not_allowed"


class DuplicateContent(XRefused):
    """X refuses a post with the same text as one the brand sent recently."""

    code = "duplicate_content"


class PostTooLong(XRefused):
    """X counted the text over its limit (the splitter errs long, so this means X's rules changed)."""

    code = "too_long"


class OutcomeUnknown(TransientXError):
    """The request reached X, or may have, and no answer came back (5xx, a timeout, a dropped
    connection): X may have posted it. Look before sending it again."""


class ReplyConflict(Exception):
    """The reply id was already used for a different reply (other text, channel or target)."""


class UnknownBrand(LookupError):
    """No brand with this id is registered."""
