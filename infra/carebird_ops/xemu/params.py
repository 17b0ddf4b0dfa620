"""Query parameters as X validates them: wire names, enums, ranges and X's messages for each mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from carebird_ops.xemu.errors import ParamError

ID_PATTERN = "^[0-9]{1,19}$"
_ID_RE = re.compile(ID_PATTERN)
USERNAME_PATTERN = "^[A-Za-z0-9_]{1,15}$"
_USERNAME_RE = re.compile(USERNAME_PATTERN)
_RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
EARLIEST_TIME = datetime(2010, 11, 6, tzinfo=UTC).timestamp()


class Param(Protocol):
    def parse(self, name: str, raw: str) -> object: ...


def _bad(name: str, raw: str, message: str) -> ParamError:
    return ParamError({name: [raw]}, message)


@dataclass(frozen=True)
class EnumList:
    """Comma-separated names from a fixed set (tweet.fields, expansions, event_types...)."""

    allowed: tuple[str, ...]

    def parse(self, name: str, raw: str) -> frozenset[str]:
        values = raw.split(",")
        bad = [v for v in values if v not in self.allowed]
        if bad:
            raise _bad(
                name,
                ",".join(bad),
                f"The `{name}` query parameter value [{bad[0]}] is not one of [{','.join(self.allowed)}]",
            )
        return frozenset(values)


@dataclass(frozen=True)
class SnowflakeId:
    def parse(self, name: str, raw: str) -> int:
        if not _ID_RE.match(raw):
            raise _bad(name, raw, f"The `{name}` query parameter value [{raw}] does not match {ID_PATTERN}")
        return int(raw)


@dataclass(frozen=True)
class IntRange:
    low: int
    high: int

    def parse(self, name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _bad(
                name, raw, f"The `{name}` query parameter value [{raw}] is not a valid integer"
            ) from None
        if not self.low <= value <= self.high:
            raise _bad(
                name,
                raw,
                f"The `{name}` query parameter value [{raw}] is not between {self.low} and {self.high}",
            )
        return value


@dataclass(frozen=True)
class Timestamp:
    def parse(self, name: str, raw: str) -> float:
        if not _RFC3339_RE.match(raw):
            raise _bad(
                name,
                raw,
                f"The `{name}` query parameter value [{raw}] is not a valid RFC3339 date-time "
                "(YYYY-MM-DDTHH:mm:ssZ)",
            )
        try:
            when = datetime.fromisoformat(raw).timestamp()
        except ValueError:
            raise _bad(
                name, raw, f"The `{name}` query parameter value [{raw}] is not a valid date-time"
            ) from None
        if when < EARLIEST_TIME:
            raise _bad(
                name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be on or after 2010-11-06T00:00:00Z"
            )
        return when


@dataclass(frozen=True)
class Token:
    def parse(self, name: str, raw: str) -> str:
        if not raw:
            raise _bad(name, raw, f"The `{name}` query parameter can not be empty")
        return raw


@dataclass(frozen=True)
class Choice:
    """One name from a fixed set (search's sort_order)."""

    allowed: tuple[str, ...]

    def parse(self, name: str, raw: str) -> str:
        if raw not in self.allowed:
            raise _bad(
                name,
                raw,
                f"The `{name}` query parameter value [{raw}] is not one of [{','.join(self.allowed)}]",
            )
        return raw


@dataclass(frozen=True)
class IdList:
    pattern: str = ID_PATTERN
    max_items: int = 100

    def parse(self, name: str, raw: str) -> list[str]:
        if not raw:
            raise _bad(name, raw, f"The `{name}` query parameter can not be empty")
        values = raw.split(",")
        if len(values) > self.max_items:
            raise _bad(
                name,
                raw,
                f"The number of values in the `{name}` query parameter list [{len(values)}] is not "
                f"between 1 and {self.max_items}",
            )
        regex = re.compile(self.pattern)
        for value in values:
            if not regex.match(value):
                raise _bad(
                    name, value, f"The `{name}` query parameter value [{value}] does not match {self.pattern}"
                )
        return values


def path_id(name: str, raw: str) -> int:
    if not _ID_RE.match(raw):
        raise ParamError(
            {name: [raw]}, f"The `{name}` query parameter value [{raw}] does not match {ID_PATTERN}"
        )
    return int(raw)


def path_username(name: str, raw: str) -> str:
    if not _USERNAME_RE.match(raw):
        raise ParamError(
            {name: [raw]}, f"The `{name}` query parameter value [{raw}] does not match {USERNAME_PATTERN}"
        )
    return raw


def rfc3339(epoch: float) -> str:
    """X's timestamp format: UTC with milliseconds, e.g. 2021-01-06T18:40:40.000Z."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_ALPHABETS = {36: "0123456789abcdefghijklmnopqrstuvwxyz", 32: "abcdefghijklmnopqrstuvwxyz234567"}


def encode_page_token(boundary: int, base: int = 36) -> str:
    """An opaque page token (X: base36 for timelines, base32 for DM events) with a check digit group."""
    check = sum(int(d) * (i + 1) for i, d in enumerate(str(boundary))) % 997
    number = boundary * 1000 + check
    alphabet = _ALPHABETS[base]
    chars = []
    while number:
        number, rem = divmod(number, base)
        chars.append(alphabet[rem])
    token = "".join(reversed(chars))
    return token.rjust(16, alphabet[0])


def decode_page_token(token: str, base: int = 36) -> int | None:
    alphabet = _ALPHABETS[base]
    number = 0
    for ch in token:
        index = alphabet.find(ch)
        if index < 0:
            return None
        number = number * base + index
    boundary, check = divmod(number, 1000)
    if boundary <= 0 or sum(int(d) * (i + 1) for i, d in enumerate(str(boundary))) % 997 != check:
        return None
    return boundary
