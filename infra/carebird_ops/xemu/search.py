"""Recent search's query language, the part carebird uses: `@handle` and `-from:handle`.

X's recent search matches posts of the last 7 days. `@handle` matches a post that mentions the
account in its text or in a reply's prefix (X puts the replied-to account in entities.mentions even
when the reply's body does not name it); it does not match a quote of the account's post that never
names it, which the mentions timeline includes. Any other operator is refused with X's 400 shape
rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carebird_ops.xemu.errors import ParamError
from carebird_ops.xemu.model import Post, User

SEARCH_WINDOW_SECONDS = 7 * 24 * 3600
QUERY_MAX_LENGTH = 4096  # X's QUERY maxLength for recent search
_TERM_RE = re.compile(r"^(-?)(?:@|from:)([A-Za-z0-9_]{1,15})$")


@dataclass(frozen=True)
class SearchQuery:
    mentioned: frozenset[str]  # lower-cased usernames every match must mention
    not_from: frozenset[str]  # lower-cased usernames no match may be written by


def _refuse(raw: str, message: str) -> ParamError:
    return ParamError({"query": [raw]}, message)


def parse(raw: str) -> SearchQuery:
    if not raw or len(raw) > QUERY_MAX_LENGTH:
        raise _refuse(raw, f"The `query` query parameter value [{raw}] is not between 1 and 4096 characters")
    mentioned: set[str] = set()
    not_from: set[str] = set()
    for term in raw.split():
        match = _TERM_RE.match(term)
        negated = bool(match and match.group(1))
        is_from = term.lstrip("-").startswith("from:")
        if match is None or (negated and not is_from) or (is_from and not negated):
            raise _refuse(
                raw,
                f"There were errors processing your request: The query term [{term}] is valid on X but "
                "not emulated by carebird's X API emulator (it supports `@handle` and `-from:handle`)",
            )
        (not_from if is_from else mentioned).add(match.group(2).lower())
    if not mentioned:
        raise _refuse(
            raw,
            f"There were errors processing your request: Rules must contain a non-negation term ({raw})",
        )
    return SearchQuery(frozenset(mentioned), frozenset(not_from))


def matches(query: SearchQuery, post: Post, authors: dict[str, User]) -> bool:
    author = authors[post.author_id].username.lower()
    if author in query.not_from:
        return False
    replied_to = authors.get(post.in_reply_to_user_id or "")
    named = set(post.mentioned)
    if replied_to is not None:
        named.add(replied_to.username.lower())
    return query.mentioned <= named
