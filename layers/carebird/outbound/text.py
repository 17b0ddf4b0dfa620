"""Reply text as X measures it, and long replies cut into a numbered thread.

X counts a post's length with twitter-text's v3 configuration: after NFC normalisation (and CRLF -> LF),
code points in U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 weigh 1 and every other
code point weighs 2; an emoji sequence (skin tone, ZWJ family, flag, keycap, tag sequence) weighs 2 as a
whole; every URL weighs 23 (its t.co length) whatever its own length. The limit is 280.

No maintained Python port of twitter-text exists: `twitter-text-parser` (last release 2023) imports
`pkg_resources`, which neither the Lambda python3.12 runtime nor this project ships, and carries 2019
emoji data. So the v3 rules are implemented here. Where X's answer depends on twitter-text's list of
top-level domains, which is not copied here, the count errs towards *more* than X's, never less, so a
part this module accepts is not refused by X as too long:

- A link with a scheme (http/https) and a well-formed host weighs 23. Its path stops at the first
  character outside the ASCII set twitter-text allows, so text glued after it ("...helpをご覧ください")
  is counted as text, as X does; a link glued to a word before it ("seehttps://...") is no link.
  A link to a made-up top-level domain, which X counts character by character, also weighs 23 here:
  the one case that can under-count, and not one customer service replies contain.
- Text that X *may* read as a link without a scheme ("acme.com/help") weighs the larger of 23 and its own
  weight.

Emoji sequences are recognised by Unicode's Extended_Pictographic property (the table below, which
includes the code points Unicode reserves for future emoji, so new emoji need no update here).

A reply longer than the limit becomes a thread: parts cut at whitespace, at a paragraph or sentence end
when that leaves the part at least 60% full, and numbered with a suffix: " 1/3", " 2/3", " 3/3". A suffix,
not a prefix, keeps a leading @mention where the agent put it. A word longer than a part is cut by
weight, never inside a link, an @mention or an emoji sequence. Everything X counts, the numbering
included, stays within the limit.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
MAX_PARTS = 25
DM_MAX_LENGTH = 10_000  # X's limit for a direct message, in characters
# Leave a part this full before preferring an earlier paragraph or sentence end as its break.
PREFERRED_BREAK_FILL = 0.6

# twitter-text v3 "ranges": code points that weigh 1; everything else weighs 2.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# Unicode's Extended_Pictographic property (emoji-data.txt) as merged ranges, generated from the `regex`
# module 2026.11.15; tests/unit/outbound/test_text.py checks it against that module.
_EXTENDED_PICTOGRAPHIC = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2604), (0x260E, 0x260E),
    (0x2611, 0x2611), (0x2614, 0x2615), (0x2618, 0x2618), (0x261D, 0x261D), (0x2620, 0x2620),
    (0x2622, 0x2623), (0x2626, 0x2626), (0x262A, 0x262A), (0x262E, 0x262F), (0x2638, 0x263A),
    (0x2640, 0x2640), (0x2642, 0x2642), (0x2648, 0x2653), (0x265F, 0x2660), (0x2663, 0x2663),
    (0x2665, 0x2666), (0x2668, 0x2668), (0x267B, 0x267B), (0x267E, 0x267F), (0x2692, 0x2697),
    (0x2699, 0x2699), (0x269B, 0x269C), (0x26A0, 0x26A1), (0x26A7, 0x26A7), (0x26AA, 0x26AB),
    (0x26B0, 0x26B1), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26C8, 0x26C8), (0x26CE, 0x26CF),
    (0x26D1, 0x26D1), (0x26D3, 0x26D4), (0x26E9, 0x26EA), (0x26F0, 0x26F5), (0x26F7, 0x26FA),
    (0x26FD, 0x26FD), (0x2702, 0x2702), (0x2705, 0x2705), (0x2708, 0x270D), (0x270F, 0x270F),
    (0x2712, 0x2712), (0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721),
    (0x2728, 0x2728), (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2763, 0x2764), (0x2795, 0x2797),
    (0x27A1, 0x27A1), (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D),
    (0x3297, 0x3297), (0x3299, 0x3299), (0x1F004, 0x1F004), (0x1F02C, 0x1F02F), (0x1F094, 0x1F09F),
    (0x1F0AF, 0x1F0B0), (0x1F0C0, 0x1F0C0), (0x1F0CF, 0x1F0D0), (0x1F0F6, 0x1F0FF), (0x1F170, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AF, 0x1F1E5), (0x1F201, 0x1F20F),
    (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F), (0x1F249, 0x1F25F),
    (0x1F266, 0x1F321), (0x1F324, 0x1F393), (0x1F396, 0x1F397), (0x1F399, 0x1F39B), (0x1F39E, 0x1F3F0),
    (0x1F3F3, 0x1F3F5), (0x1F3F7, 0x1F3FA), (0x1F400, 0x1F4FD), (0x1F4FF, 0x1F53D), (0x1F549, 0x1F54E),
    (0x1F550, 0x1F567), (0x1F56F, 0x1F570), (0x1F573, 0x1F57A), (0x1F587, 0x1F587), (0x1F58A, 0x1F58D),
    (0x1F590, 0x1F590), (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A5), (0x1F5A8, 0x1F5A8), (0x1F5B1, 0x1F5B2),
    (0x1F5BC, 0x1F5BC), (0x1F5C2, 0x1F5C4), (0x1F5D1, 0x1F5D3), (0x1F5DC, 0x1F5DE), (0x1F5E1, 0x1F5E1),
    (0x1F5E3, 0x1F5E3), (0x1F5E8, 0x1F5E8), (0x1F5EF, 0x1F5EF), (0x1F5F3, 0x1F5F3), (0x1F5FA, 0x1F64F),
    (0x1F680, 0x1F6C5), (0x1F6CB, 0x1F6D2), (0x1F6D5, 0x1F6E5), (0x1F6E9, 0x1F6E9), (0x1F6EB, 0x1F6F0),
    (0x1F6F3, 0x1F6FF), (0x1F7DC, 0x1F7F0), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8AF), (0x1F8BC, 0x1F8BF), (0x1F8C2, 0x1F8CF), (0x1F8D9, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1F9FF), (0x1FA58, 0x1FA5F), (0x1FA6E, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)  # fmt: skip


@dataclass(frozen=True)
class _Patterns:
    emoji: re.Pattern[str]
    scheme: re.Pattern[str]
    userinfo: re.Pattern[str]
    rest: re.Pattern[str]
    bare: re.Pattern[str]
    mention: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    # Compiled on first use, not at import.
    pictographic = "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in _EXTENDED_PICTOGRAPHIC)
    element = (
        f"[{pictographic}]"
        r"(?:\uFE0F|[\U0001F3FB-\U0001F3FF])?"  # emoji presentation or a skin tone
        r"(?:[\U000E0020-\U000E007E]+\U000E007F)?"  # tag sequence (subdivision flags)
    )
    # twitter-text links nothing glued to a letter, a digit, an @, a $ or a # before it.
    not_glued = r"(?<![A-Za-z0-9@\uff20$#\uff03])"
    # Port, path, query and fragment in the ASCII characters twitter-text allows, parentheses left out:
    # a link here never runs further than X's own, so what follows it is never under-counted.
    rest = r"(?::\d{1,5})?(?:[/?#][A-Za-z0-9!*';:=+,.$/%#\[\]\-_~|&@?]*)?"
    return _Patterns(
        emoji=re.compile(
            r"[0-9#*]\uFE0F?\u20E3"  # keycap
            r"|[\U0001F1E6-\U0001F1FF]{2}"  # flag: a pair of regional indicators
            f"|{element}(?:\u200d{element})*"
        ),
        scheme=re.compile(not_glued + r"https?://", re.IGNORECASE),
        userinfo=re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:%]+@"),
        rest=re.compile(rest),
        bare=re.compile(
            r"(?<![A-Za-z0-9_@\uff20$#\uff03.\-/])(?:[A-Za-z0-9_-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9@+_-])" + rest
        ),
        mention=re.compile(
            r"(?<![A-Za-z0-9_!@\uff20#$%&*])[@\uff20][A-Za-z0-9_]{1,15}(?![A-Za-z0-9_@\uff20])"
        ),
    )


# A link's path or query ends on one of these (twitter-text's ending characters, both sets' common part).
_LINK_END = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_#/-")


def _trim_link(text: str, end: int, floor: int) -> int:
    while end > floor and text[end - 1] not in _LINK_END:
        end -= 1
    return end


@dataclass(frozen=True)
class Span:
    """A run of text that X weighs as a whole (a link, an emoji sequence) or that must not be cut."""

    start: int
    end: int
    weight: int
    kind: str  # "url", "maybe_url", "emoji", "mention"


# What draws nothing: controls, format characters (zero-width space, joiners, word joiner, bidi marks,
# BOM, tags), separators, combining marks with no base, and letters and symbols that render blank
# (Hangul fillers, the blank Braille pattern, Khmer inherent vowels).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_GLYPHS = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def is_visible(ch: str) -> bool:
    """Whether the character draws anything a reader sees."""
    return ch not in _BLANK_GLYPHS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES


def is_blank(text: str) -> bool:
    """True when the text would show nothing: empty, or only whitespace and invisible characters. The
    API's text fields, delivery and the inbox's counter all decide emptiness with this."""
    return not any(is_visible(ch) for ch in text)


def normalize(text: str) -> str:
    """The text X counts and stores: NFC, with CRLF and CR line ends as LF."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def _plain_weight(text: str) -> int:
    return len(text) + len(_heavy().findall(text))


@cache
def _heavy() -> re.Pattern[str]:
    return re.compile("[^" + "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in _LIGHT_RANGES) + "]")


def _host_char(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum() or ch in "-_."
    return unicodedata.category(ch)[0] not in "PZC"  # twitter-text: no punctuation, space or control


def _valid_label(label: str, *, allow_underscore: bool) -> bool:
    if not label or label[0] in "-_" or label[-1] in "-_" or (not allow_underscore and "_" in label):
        return False
    if label.isascii():
        return len(label) <= 63
    try:
        return len(label.encode("punycode")) + 4 <= 63  # "xn--" + punycode within DNS's 63 octets
    except UnicodeError:
        return False


def _valid_host(host: str) -> bool:
    """twitter-text's domain rules, less its list of top-level domains (any alphabetic one passes)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host):
        return True  # an IPv4 address; X links even 256.1.2.3, which weighs 23 either way
    *subdomains, domain, tld = host.split(".") if "." in host else ("", "", "")
    if not (tld.isalpha() or tld.lower().startswith("xn--")) or len(tld) < 2:
        return False
    if not _valid_label(tld, allow_underscore=False) or not _valid_label(domain, allow_underscore=False):
        return False
    return all(_valid_label(s, allow_underscore=True) for s in subdomains)


def _scheme_link(text: str, start: int, after_scheme: int, patterns: _Patterns) -> Span | None:
    i = after_scheme
    userinfo = patterns.userinfo.match(text, i)
    if userinfo:
        i = userinfo.end()
    end = i
    while end < len(text) and _host_char(text[end]):
        end += 1
    host = text[i:end].rstrip(".")
    if "." in host:
        # An ASCII top-level domain ends where a non-ASCII letter starts ("acme.comをご覧"), as for X.
        head, tld = host.rsplit(".", 1)
        ascii_run = re.match(r"[A-Za-z]+", tld)
        if ascii_run and ascii_run.end() < len(tld):
            host = f"{head}.{ascii_run.group(0)}"
    end = i + len(host)
    if not _valid_host(host):
        return None
    rest = patterns.rest.match(text, end)
    if rest and rest.end() > end:
        end = _trim_link(text, rest.end(), end)
    return Span(start, end, URL_WEIGHT, "url")


def entities(text: str) -> list[Span]:
    """Links, emoji sequences and @mentions of an already normalised text, in order, not overlapping."""
    patterns = _patterns()
    spans: list[Span] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in spans)

    for m in patterns.scheme.finditer(text):
        link = _scheme_link(text, m.start(), m.end(), patterns)
        if link is not None and free(link.start, link.end):
            spans.append(link)
    for m in patterns.bare.finditer(text):
        end = _trim_link(text, m.end(), m.start())
        if end > m.start() and free(m.start(), end):
            # Whether X links it depends on its list of top-level domains: weigh the larger.
            own = _plain_weight(text[m.start() : end])
            spans.append(Span(m.start(), end, max(URL_WEIGHT, own), "maybe_url"))
    for m in patterns.mention.finditer(text):
        if free(m.start(), m.end()):
            spans.append(Span(m.start(), m.end(), _plain_weight(m.group(0)), "mention"))
    for m in patterns.emoji.finditer(text):
        if free(m.start(), m.end()):
            spans.append(Span(m.start(), m.end(), 2, "emoji"))
    spans.sort(key=lambda s: s.start)
    return spans


def weighted_length(text: str) -> int:
    """The length X gives `text` (normalised first), at least as large as X's own count."""
    return _weight(normalize(text))


def _weight(text: str) -> int:
    total = 0
    position = 0
    for span in entities(text):
        total += _plain_weight(text[position : span.start]) + span.weight
        position = span.end
    return total + _plain_weight(text[position:])


class InvalidReply(ValueError):
    """Reply text that cannot be posted as it is; the message says why, for the agent."""


class EmptyReply(InvalidReply):
    pass


class ReplyTooLong(InvalidReply):
    pass


def split_thread(text: str, limit: int = MAX_WEIGHTED_LENGTH, max_parts: int = MAX_PARTS) -> list[str]:
    """The posts of a reply: `text` itself when it fits, else a thread numbered " 1/n".. " n/n".

    Every part, numbering included, weighs at most `limit`; no part is empty; the words come back in
    order when the parts are joined (a word longer than a part is cut into consecutive pieces).
    """
    text = normalize(text).strip()
    if is_blank(text):
        raise EmptyReply("The reply is empty: write something to send.")
    total = _weight(text)
    if total <= limit:
        return [text]
    if total > limit * max_parts:
        raise ReplyTooLong(_too_long(total, limit, max_parts))
    bodies: list[str] = []
    for digits in (1, 2, 3):
        widest = 10**digits - 1
        reserve = len(f" {widest}/{widest}")
        bodies = _pack(text, limit - reserve)
        if len(bodies) <= widest:
            break
    if len(bodies) > max_parts:
        raise ReplyTooLong(_too_long(total, limit, max_parts))
    n = len(bodies)
    return [f"{body} {i}/{n}" for i, body in enumerate(bodies, 1)]


def split_dm(text: str) -> list[str]:
    """A direct message is sent whole: `text` normalised, if it is not empty and within X's DM limit."""
    text = normalize(text).strip()
    if is_blank(text):
        raise EmptyReply("The reply is empty: write something to send.")
    if len(text) > DM_MAX_LENGTH:
        raise ReplyTooLong(
            f"The message is {len(text)} characters long; X allows {DM_MAX_LENGTH} in a direct message."
        )
    return [text]


def _too_long(total: int, limit: int, max_parts: int) -> str:
    return (
        f"The reply is too long to post: it weighs {total} of X's characters, and a thread may have at "
        f"most {max_parts} posts of {limit}. Shorten it, or send the details another way."
    )


@dataclass
class _Word:
    text: str
    separator: str  # the whitespace that followed it
    weight: int


def _words(text: str) -> list[_Word]:
    return [_Word(m.group(1), m.group(2), _weight(m.group(1))) for m in re.finditer(r"(\S+)(\s*)", text)]


def _join(words: list[_Word]) -> str:
    return "".join(w.text + w.separator for w in words[:-1]) + words[-1].text if words else ""


def _joined_weight(words: list[_Word]) -> int:
    # No link, mention or emoji spans whitespace, so weights add up word by word.
    return sum(w.weight for w in words) + sum(_plain_weight(w.separator) for w in words[:-1])


def _pack(text: str, budget: int) -> list[str]:
    parts: list[str] = []
    current: list[_Word] = []
    used = 0
    queue = _words(text)
    i = 0
    while i < len(queue):
        word = queue[i]
        added = word.weight + (_plain_weight(current[-1].separator) if current else 0)
        if used + added <= budget:
            current.append(word)
            used += added
            i += 1
            continue
        if not current:
            pieces = _hard_split(word.text, budget)
            parts.extend(pieces[:-1])
            current = [_Word(pieces[-1], word.separator, _weight(pieces[-1]))]
            used = current[0].weight
            i += 1
            continue
        cut = _preferred_break(current, budget)
        parts.append(_join(current[:cut]))
        current = current[cut:]
        used = _joined_weight(current)
    if current:
        parts.append(_join(current))
    return parts


def _preferred_break(words: list[_Word], budget: int) -> int:
    """How many of `words` to close the part with: after the last paragraph or sentence end that leaves
    the part well filled, else all of them."""
    for cut in range(len(words) - 1, 0, -1):
        before = words[cut - 1]
        if "\n" in before.separator or re.search(r"[.!?…][\"')\]]*$", before.text):
            if _joined_weight(words[:cut]) >= budget * PREFERRED_BREAK_FILL:
                return cut
            break
    return len(words)


def _units(word: str) -> Iterator[str]:
    """`word` in pieces that must stay whole: links, @mentions, emoji sequences, a letter with its marks."""
    spans = {s.start: s for s in entities(word) if s.kind != "maybe_url"}
    i = 0
    while i < len(word):
        span = spans.get(i)
        if span is not None:
            yield word[span.start : span.end]
            i = span.end
            continue
        j = i + 1
        while j < len(word) and (unicodedata.combining(word[j]) or word[j] in "\u200c\u200d\ufe0e\ufe0f"):
            j += 1
        yield word[i:j]
        i = j


def _hard_split(word: str, budget: int) -> list[str]:
    units = list(_units(word))
    pieces: list[str] = []
    i = 0
    while i < len(units):
        if _weight(units[i]) > budget:  # only a letter carrying more marks than a part holds
            pieces.extend(_by_code_point(units[i], budget))
            i += 1
            continue
        # The longest run of units from i that fits. Each unit weighs at least 1, so at most `budget`
        # of them can; a link forming or breaking as units join is why this measures, not adds.
        lo, hi = i + 1, min(len(units), i + budget)
        if _weight("".join(units[i:hi])) <= budget:
            lo = hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _weight("".join(units[i:mid])) <= budget:
                lo = mid
            else:
                hi = mid
        pieces.append("".join(units[i:lo]))
        i = lo
    return pieces


def _by_code_point(unit: str, budget: int) -> list[str]:
    pieces = [""]
    for ch in unit:
        if pieces[-1] and _weight(pieces[-1] + ch) > budget:
            pieces.append("")
        pieces[-1] += ch
    return pieces


def is_extended_pictographic(ch: str) -> bool:
    """Unicode's Extended_Pictographic property of one code point (exposed for the table's test)."""
    cp = ord(ch)
    index = bisect.bisect_right(_EXTENDED_PICTOGRAPHIC, (cp, 0x10FFFF)) - 1
    return index >= 0 and _EXTENDED_PICTOGRAPHIC[index][0] <= cp <= _EXTENDED_PICTOGRAPHIC[index][1]


def has_link(text: str) -> bool:
    """Whether X will read a link in `text` (what makes a post cost the URL price)."""
    return any(span.kind in ("url", "maybe_url") for span in entities(normalize(text)))
