"""The built-in classifier: what triage uses for a brand that has no trained model.

No training data: sentiment is VADER's lexicon and rules (English), with a few customer-service terms on
top; skill comes from the brand's keyword rules; language, urgency, needs-response, spam and bot signals
are rules too. Every decision comes with a confidence and a short reason a person can read. Any text,
including an empty one, gives a Classification: nothing here raises on what a customer wrote.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

from carebird.classifier.language import resolve_language
from carebird.classifier.model import (
    ANY_LANGUAGE,
    BrandRules,
    Classification,
    MentionFeatures,
    Signal,
)
from carebird.classifier.priority import priority

# VADER's own cut-offs for its compound score.
_POSITIVE_AT = 0.05
_NEGATIVE_AT = -0.05

# Time-critical: what makes a message urgent, by kind, so that the reason names the kind. Words for any
# brand that sells travel, money-handling, goods or accounts: no brand or product names.
TIME_CRITICAL: dict[str, tuple[str, ...]] = {
    "stuck traveller": (
        "cancelled", "canceled", "cancellation", "stranded", "stuck", "missed my connection",
        "missed connection", "missed my flight", "delayed", "delay", "delays", "late", "rebook", "rebooked",
        "rebooking", "diverted", "overbooked", "bumped", "sitting on the tarmac", "still waiting",
        "waiting for hours", "no one is helping", "on the tarmac", "missed", "cancelado", "cancelada",
        "annulé", "storniert",
        "annulliert", "cancellato",
    ),
    "money": (
        "refund", "charged", "charged twice", "double charged", "overcharged", "fee", "fees", "money",
        "paid", "reimburse", "reimbursement", "compensation", "compensate", "claim", "voucher", "reembolso",
        "remboursement", "erstattung", "rimborso",
    ),
    "lost or damaged property": (
        "lost", "missing", "luggage", "baggage", "bag", "bags", "suitcase", "damaged", "broken",
        "stolen", "never arrived", "never received", "where is my", "lost my", "damage", "destroyed",
        "destroy", "broke", "ripped", "torn", "cracked", "ruined", "need my",
    ),
    "booking or account": (
        "booking", "bookings", "booked", "reservation", "reservations", "itinerary", "confirmation", "ticket",
        "tickets",
        "change my flight", "check in", "locked out", "hacked", "can't log in", "cannot log in",
        "can't access", "account suspended", "trying to book", "tried to book", "trying to change",
        "tried to change", "change a flight", "change fee", "can't book", "cant book", "unable to book",
        "won't let me", "wont let me", "availability", "reschedule", "rescheduled", "standby", "cancel my",
        "refundable", "reissue", "bloqueado", "bloqueada", "bloqué", "gesperrt", "bloccato",
    ),
    "safety": (
        "unsafe", "safety", "emergency", "medical", "injured", "hurt", "sick", "wheelchair",
        "fraud", "urgent", "asap", "urgente", "dringend",
    ),
}  # fmt: skip
# Words of a trip, a payment or an order in progress: time-critical only in a complaint ("stuck at the
# gate for hours"), not in praise or a question ("loved the flight").
IN_PROGRESS_TERMS: tuple[str, ...] = (
    "waiting", "hours", "hrs", "sitting", "on the plane", "tarmac", "runway", "gate", "airport",
    "boarding", "board", "deplane", "deplaning", "connection", "connecting", "layover", "flight",
    "flights", "flt", "plane", "train", "trip", "hotel", "tonight", "on hold", "pay", "payment", "price",
    "purchase", "purchased", "credit", "miles", "points", "order", "delivery", "book", "seat", "seats",
    "upgrade", "website", "online", "app", "error", "errored", "crashes", "login", "log in", "password",
)  # fmt: skip
URGENCY_TERMS: tuple[str, ...] = tuple(dict.fromkeys(t for terms in TIME_CRITICAL.values() for t in terms))

# Problems that VADER's general lexicon reads as neutral but a brand reads as a complaint.
_COMPLAINT_TERMS: tuple[str, ...] = (
    "cancelled", "canceled", "delayed", "delay", "stranded", "stuck", "lost", "broken", "damaged",
    "refund", "overcharged", "charged twice", "still waiting", "no response", "on hold", "not working",
    "doesn't work", "didn't work", "won't let me", "can't", "cannot", "never received", "missed",
    "rude", "worst", "unacceptable", "ridiculous", "missing", "late", "waiting", "on hold", "nobody",
    "no one", "fail", "failed", "problem", "issue",
)  # fmt: skip

# Sarcasm markers: praise words that mean the opposite ("great job... not", "#sarcasm").
_SARCASM = re.compile(
    r"#sarcasm\b|#not\b|#fail\b|\.\.\.?\s*not\b|\bnot!|thanks for nothing|yeah right|said no one|"
    r"just what i needed|love (?:it )?when|love how|love being|love waiting|so glad i|"
    # a shouted NOT that ends the sentence ("awesome service... NOT!"), in capitals only
    r"(?-i:\bNOT\b)\s*[!.]*\s*(?:$|#)",
    re.IGNORECASE,
)
# Negation and trouble words: praise that carries one is not plain praise ("no vouchers, nothing").
_NEGATION = re.compile(
    r"\b(?:no|not|never|nothing|nobody|none|without|lack|unable|fail\w*|sucks?|absurd|refus\w*|"
    r"\w+n't|(?:do|does|did|ca|wo|is|was|are|were|has|have|had|could|should|would|ai)nt|worst|awful|terrible|horrible|disappoint\w*|frustrat\w*|poor)\b",
    re.IGNORECASE,
)
# A thank-you that goes on ("thanks, but where is my bag?") is not the end of the conversation.
_BUT = re.compile(r"\b(?:but|however|though|except|unfortunately|still)\b", re.IGNORECASE)

_THANKS_TERMS: tuple[str, ...] = (
    "thank you", "thanks", "thx", "ty", "appreciate it", "appreciated", "love you", "you rock", "awesome",
    "great job", "well done", "kudos", "shout out", "gracias", "merci", "danke", "obrigado", "obrigada",
    "grazie",
)  # fmt: skip

# Praise a person would sign off as praise: with a thank-you, what may go to the acknowledge lane.
_PRAISE_TERMS: tuple[str, ...] = (
    "great", "amazing", "awesome", "excellent", "wonderful", "fantastic", "outstanding", "best", "love",
    "loved", "loving", "impressed", "helpful", "friendly", "appreciate", "perfect", "superb", "brilliant",
    "nice job", "good job", "great service", "enjoyed", "fabulous", "rocked", "rocks", "top notch",
    "thankful", "grateful", "glad", "way to go", "welldone", "well done", "pleasant", "professional",
)  # fmt: skip
# Reassurance: negation that is kind ("no worries", "not your fault"), not a sign of trouble.
_REASSURANCE = re.compile(
    r"\b(?:no (?:worries|problem|problems|hassle|complaints)|not your fault|can'?t complain|"
    r"couldn'?t be (?:happier|more \w+)|never disappoints?|all good|(?:not a|no) big deal|"
    r"not (?:much|anything) to complain about|not kidding)\b",
    re.IGNORECASE,
)
# Doubt: what keeps a positive-sounding message out of the acknowledge lane (a person reads it at P3),
# without making it a complaint: waiting, calling, wishing, comparing, a sad face, a "#no..." hashtag.
_DOUBT = re.compile(
    r"\b(?:hung up|hang up|hangs up|hanging up|on hold|holding|hold|wait|waited|waiting|minutes?|mins?|"
    r"hours?|hrs?|days?|hopefully|hoping|hope|wish|would be nice|would have been nice|should|instead|"
    r"elsewhere|kidding|joke|seriously|really|again|supposed to|tried|trying|call|called|calling|"
    r"phone|email|answer|respond|response|reply|lol|smh|ugh|sigh|guess|anymore|ever|"
    # a request with manners ("an update would be great, thx")
    r"would be \w+|would help|asking|if you can|if you could|if u|let \w+ know|update|pay|charged?|"
    r"less than|non|switching|more often|next time|let (?:\w+ ){0,3}know|tell|sorry|thanks a lot|"
    # still on the way: a time of day, tonight, tomorrow, until
    r"until|tonight|tomorrow|\d{1,2}(?::\d\d)?\s*(?:am|pm))\b|"
    r"\.\.\.|…|:\(|:-\(|#(?:no|not)\w*|😩|😭|💔|😡|😤|😒|🙄|👎",
    re.IGNORECASE,
)
# A problem already solved: a thank-you in the past tense ("thanks for rebooking me", "my bag was found").
_RESOLVED = re.compile(
    r"\b(?:resolved|solved|fixed|sorted|found|arrived|delivered|returned|refunded|rebooked|reissued|"
    r"got it back|got my|made it|took care|taken care|worked|works now|on time)\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d[\d,.]*|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars|euros|pounds)\b", re.IGNORECASE
)
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:hours?|hrs?|h|minutes?|mins?|days?)\b", re.IGNORECASE)

_QUESTION_TERMS: tuple[str, ...] = (
    "how", "why", "when", "where", "what", "which", "who", "can you", "could you", "will you", "please",
    "pls", "plz", "help", "dm", "anyone", "is there", "do you", "does",
)  # fmt: skip

_PROMO_TERMS: tuple[str, ...] = (
    "giveaway", "free followers", "click here", "click the link", "check out my", "limited offer",
    "discount code", "promo code", "use code", "earn money", "make money", "work from home", "dm me for",
    "cheap", "win a", "winner", "buy now", "subscribe", "to claim", "claim your", "claim now",
)  # fmt: skip
_CRYPTO_TERMS: tuple[str, ...] = (
    "crypto", "bitcoin", "btc", "eth", "ethereum", "usdt", "airdrop", "nft", "token presale", "wallet",
    "forex", "binary options", "investment opportunity", "1000x", "pump",
)  # fmt: skip
# Follow-for-follow bait: a strong spam signal. "Follow me / follow back so I can DM" is not bait but the
# most common support move on X (see _DM_REQUEST).
_FOLLOW_BAIT: tuple[str, ...] = (
    "follow for follow", "f4f", "follow4follow", "gain followers", "free followers", "teamfollowback",
    "follow train", "retweet to win", "rt to win",
)  # fmt: skip
_DM_REQUEST: tuple[str, ...] = (
    "follow me", "follow back", "followback", "follow us", "please follow", "pls follow", "dm me",
    "dm you", "dm'd", "dmd", "sent a dm", "send a dm", "send you a dm", "direct message", "message me",
    "pm me", "can't dm", "cannot dm", "unable to dm", "so i can dm", "dm details", "dm the details",
)  # fmt: skip

# Emoji VADER's lexicon scores as neutral (or, for a broken heart, as positive), on its -4..4 scale.
_EMOJI_VALENCE: dict[str, float] = {
    "😡": -3.0, "🤬": -3.5, "😤": -2.0, "👎": -2.0, "😒": -1.5, "🙄": -1.5, "💔": -3.0, "👍": 1.5,
    "🙏": 1.0, "👏": 1.5, "💯": 1.5,
}  # fmt: skip

# A word the lexicon scores at or below this (on its -4..4 scale: "bad", "fiasco", "waste") keeps a
# message out of the acknowledge lane.
NEGATIVE_WORD_AT = -1.0

# A thank-you or praise whose lexicon score reaches this is praise, even with a "but" in it.
STRONG_PRAISE_AT = 0.6

# Spam is closed without a person only at this score, with a strong signal among its reasons.
SPAM_CLOSE_AT = 0.9

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#\w+")
_WORD = re.compile(r"\w+")


_MAX_TERM_WORDS = 5


@functools.lru_cache(maxsize=256)
def _term_keys(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(term, its words joined by one space) for each term, as `Words` spells its n-grams."""
    keys = ((t.strip().lower(), " ".join(_WORD.findall(t.lower()))) for t in terms)
    return tuple(dict.fromkeys((term, key) for term, key in keys if key))


class Words:
    """The word n-grams of a text, built once so that every term list is a few set look-ups."""

    def __init__(self, text: str) -> None:
        words = _WORD.findall(text.lower())
        self.words = words
        self.grams = {
            " ".join(words[i : i + n])
            for n in range(1, _MAX_TERM_WORDS + 1)
            for i in range(len(words) - n + 1)
        }

    def find(self, terms: tuple[str, ...]) -> list[str]:
        """The distinct terms (whole words or phrases, case-insensitive) present in the text."""
        return list(dict.fromkeys(term for term, key in _term_keys(terms) if key in self.grams))


@functools.cache
def _vader() -> Any:
    # Built on first use (it reads its lexicon, ~40 ms), never at import.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_compound(text: str) -> float:
    """VADER's compound score (-1..1) of the text."""
    return float(_vader().polarity_scores(text)["compound"])


class DefaultClassifier:
    """The built-in MentionClassifier. Cheap to construct; the lexicon loads on the first classification."""

    def classify(self, mention: MentionFeatures, rules: BrandRules | None) -> Classification:
        rules = rules or BrandRules()
        text = mention.text if isinstance(mention.text, str) else ""
        content = _HASHTAG.sub(lambda m: m.group(0)[1:], _MENTION.sub(" ", _URL.sub(" ", text))).strip()
        reasons: list[str] = []

        language, language_confidence, why = resolve_language(text, mention.lang)
        reasons.append(why)

        words = Words(content)
        urgent_terms = words.find(URGENCY_TERMS + rules.urgency_terms)
        sentiment = _sarcasm(self.sentiment_of(mention, content, words, language, reasons), text, reasons)
        but = _BUT.search(content)
        rest = content[but.end() :] if but else ""
        if sentiment.value != "negative" and but and "?" in rest and Words(rest).find(URGENCY_TERMS):
            # "Thanks, but where is my bag?": a complaint with manners, and a question.
            reasons.append(f"sentiment negative: a problem after {but.group(0)!r}")
            sentiment = Signal("negative", 0.6)
        # Praise is a positive message with no sign of trouble: no negation, no problem word, no question,
        # no "but", no doubt marker. A lexicon reads "I'd just like to know where my bag is... No
        # accountability" and "yes, but I need my luggage before tomorrow" as positive.
        troubled = bool(_NEGATION.search(_REASSURANCE.sub(" ", content)) or words.find(_COMPLAINT_TERMS))
        asks = "?" in text or bool(words.find(_QUESTION_TERMS)) or bool(but)
        praise = (
            sentiment.value == "positive"
            and bool(words.find(_THANKS_TERMS) or words.find(_PRAISE_TERMS))
            and not (troubled or asks or _doubt(text, words))
        )
        # A trip, payment or order in progress is time-critical in a complaint, or in a neutral message
        # that carries a negation or a problem word ("3 hours on the plane, not moving"). A duration is
        # time-critical in anything but praise ("sitting at the gate for 2 hrs").
        if sentiment.value == "negative" or (not praise and troubled):
            urgent_terms += [t for t in words.find(IN_PROGRESS_TERMS) if t not in urgent_terms]
        if not praise:
            urgent_terms += [d.group(0) for d in _DURATION.finditer(content)][:1]
            urgent_terms += [a.group(0) for a in _AMOUNT.finditer(content)][:1]
        urgency = _urgency(urgent_terms, reasons)
        skill = self.skill_of(mention, content, words, language, rules, reasons)
        spam, bot = _spam_and_bot(text, words, mention, reasons)
        wants_dm = _wants_dm(words, spam, reasons)
        needs_response = _needs_response(
            text, content, words, mention, sentiment, urgency, spam, wants_dm, reasons
        )

        # "Thank you, my lost item was found": a thank-you without a question reports a problem solved.
        # Praise words count too ("great crew, got my bag back"); a thank-you that still carries trouble
        # counts only when it says the problem is solved ("thanks for rebooking me"), not when it is
        # sarcastic ("thank you for leaving me stranded... never again").
        # Strong praise ("the delay was long, but the crew was amazing") is thanks even with a "but".
        thanked = (
            bool(words.find(_THANKS_TERMS) or words.find(_PRAISE_TERMS))
            and "?" not in text
            and not _SARCASM.search(text)
            and (
                (
                    not but
                    and (
                        not _NEGATION.search(_REASSURANCE.sub(" ", content))
                        or bool(_RESOLVED.search(content))
                    )
                )
                or vader_compound(content) >= STRONG_PRAISE_AT
            )
        )
        if thanked and urgency.value:
            reasons.append("time-critical words not counted: a thank-you without a question")
        level = priority(
            sentiment=str(sentiment.value),
            sentiment_confidence=sentiment.confidence,
            urgent=bool(urgency.value) and not thanked,
            urgency_confidence=urgency.confidence,
            followers=max(0, int(mention.followers or 0)),
            verified=bool(mention.verified),
            engagement=mention.engagement,
            needs_response=bool(needs_response.value),
            urgent_kinds=_kinds(urgent_terms),
            praise=praise,
        )
        return Classification(
            sentiment=sentiment,
            skill=skill,
            language=Signal(language, language_confidence),
            urgency=urgency,
            needs_response=needs_response,
            spam=spam,
            bot=bot,
            priority=level,
            reasons=tuple(reasons),
            wants_dm=wants_dm,
        )

    def sentiment_of(
        self, mention: MentionFeatures, content: str, words: Words, language: str | None, reasons: list[str]
    ) -> Signal:
        """Sentiment from the text without links and mentions; appends its reason."""
        if not content:
            reasons.append("sentiment neutral: nothing to read but links or mentions")
            return Signal("neutral", 0.5)
        compound = vader_compound(content)
        emoji = [e for e in _EMOJI_VALENCE if e in content]
        if emoji:
            # Blend VADER with the emoji it misses, on VADER's normalisation (x / sqrt(x^2 + 15)).
            total = sum(_EMOJI_VALENCE[e] for e in emoji)
            compound = max(-1.0, min(1.0, compound + total / (total * total + 15) ** 0.5))
        complaints = words.find(_COMPLAINT_TERMS)
        if compound <= _NEGATIVE_AT:
            label, confidence = "negative", 0.55 + 0.4 * min(1.0, -compound)
            why = f"sentiment negative: lexicon score {compound:.2f}"
        elif complaints and compound < 0.5 and not (compound >= 0.3 and words.find(_THANKS_TERMS)):
            # "My flight was cancelled" has no negative word in a general lexicon, but it is a complaint.
            label, confidence = "negative", 0.55 + 0.05 * min(3, len(complaints)) - 0.2 * max(0.0, compound)
            why = f"sentiment negative: reports a problem ({', '.join(complaints[:3])})"
        elif compound >= _POSITIVE_AT:
            label, confidence = "positive", 0.55 + 0.4 * min(1.0, compound)
            why = f"sentiment positive: lexicon score {compound:.2f}"
        else:
            label, confidence = "neutral", 0.6
            why = "sentiment neutral: no opinion words"
        if language not in (None, "en"):
            confidence = min(confidence, 0.4)
            why += f" (the lexicon is English; this is {language}, so low confidence)"
        reasons.append(why)
        return Signal(label, round(confidence, 3))

    def skill_of(
        self,
        mention: MentionFeatures,
        content: str,
        words: Words,
        language: str | None,
        rules: BrandRules,
        reasons: list[str],
    ) -> Signal:
        """The skill whose keywords match best, for the message's language; appends its reason."""
        if not rules.skills:
            return Signal(None, 0.0)
        scores: dict[str, tuple[int, list[str]]] = {}
        for skill, per_language in rules.skills.items():
            terms = tuple(per_language.get(ANY_LANGUAGE, ())) + (
                tuple(per_language.get(language, ())) if language else ()
            )
            found = words.find(terms)
            if found and rules.is_known(skill):
                # Phrases say more than single words: weight a hit by its word count.
                scores[skill] = (sum(len(f.split()) for f in found), found)
        if not scores:
            reasons.append("skill unknown: no keyword of a skill matched")
            return Signal(None, 0.0)
        ranked = sorted(scores.items(), key=lambda item: item[1][0], reverse=True)
        skill, (score, found) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0
        confidence = min(0.95, 0.6 + 0.1 * (score - 1)) * (
            1.0 if runner_up == 0 else 1 - runner_up / (2 * score)
        )
        tie = f", also {ranked[1][0]} ({runner_up})" if runner_up else ""
        reasons.append(f"skill {skill}: matched {', '.join(found[:3])}{tie}")
        return Signal(skill, round(confidence, 3))


def _doubt(text: str, words: Words) -> str:
    """What keeps a message that sounds positive out of the acknowledge lane: a doubt marker, or a word
    the lexicon scores clearly negative ("a pleasant crew, what a fiasco")."""
    marker = _DOUBT.search(text)
    if marker:
        return marker.group(0)
    lexicon = _vader().lexicon
    return next((w for w in words.words if lexicon.get(w, 0.0) <= NEGATIVE_WORD_AT), "")


def _kinds(terms: list[str]) -> tuple[str, ...]:
    """The kinds of time-critical trouble the terms name ("stuck traveller", "money", ...)."""
    found = set(terms)
    kinds = tuple(kind for kind, kind_terms in TIME_CRITICAL.items() if found.intersection(kind_terms))
    if any(_DURATION.fullmatch(term) for term in terms):
        kinds += ("waiting",)
    if any(_AMOUNT.fullmatch(term) for term in terms) and "money" not in kinds:
        kinds += ("money",)
    if found.intersection(IN_PROGRESS_TERMS):
        kinds += ("complaint about something in progress",)
    return kinds or (("brand urgency term",) if terms else ())


def _urgency(terms: list[str], reasons: list[str]) -> Signal:
    if not terms:
        return Signal(False, 0.7)
    reasons.append(f"urgent ({', '.join(_kinds(terms))}): {', '.join(terms[:4])}")
    return Signal(True, min(0.95, 0.6 + 0.15 * (len(terms) - 1)))


def _sarcasm(sentiment: Signal, text: str, reasons: list[str]) -> Signal:
    """Praise with a sarcasm marker ("awesome service... NOT!", "#sarcasm") is a complaint."""
    marker = _SARCASM.search(text)
    if marker is None or sentiment.value == "negative":
        return sentiment
    reasons.append(f"sentiment negative: sarcasm marker {marker.group(0).strip()!r}")
    return Signal("negative", 0.6)


def _wants_dm(words: Words, spam: Signal, reasons: list[str]) -> Signal:
    """ "Follow me so I can DM you the details": the customer asks to continue in private."""
    asked = words.find(_DM_REQUEST)
    if not asked or spam.value:
        return Signal(False, 0.6)
    reasons.append(f"wants a DM: {', '.join(asked[:2])}")
    return Signal(True, 0.8)


def _spam_and_bot(
    text: str, words: Words, mention: MentionFeatures, reasons: list[str]
) -> tuple[Signal, Signal]:
    """Spam is only ever on from a strong signal (a scam pattern with a link, follow-for-follow bait,
    bot-like repetition or mass mentions with a link) and a high score: that is what gets closed without a
    person. Weak signals alone (promotion words, hashtags, a bare link) are named in the reasons and the
    message is routed like any other, because customers write like that too."""
    strong: list[tuple[str, float]] = []
    weak: list[tuple[str, float]] = []
    links = len(_URL.findall(text))
    if links and len(words.words) <= 1:
        weak.append(("only links", 0.4))
    promo = words.find(_PROMO_TERMS)
    if promo:
        (strong if links else weak).append((f"promotion ({', '.join(promo[:2])})", 0.35 * len(promo)))
    crypto = words.find(_CRYPTO_TERMS)
    if crypto:
        (strong if links else weak).append((f"crypto ({', '.join(crypto[:2])})", 0.45 * len(crypto)))
    bait = words.find(_FOLLOW_BAIT)
    if bait:
        strong.append((f"follower bait ({', '.join(bait[:2])})", 0.6 * len(bait)))
    if len(_HASHTAG.findall(text)) >= 5:
        weak.append(("many hashtags", 0.3))
    mentions = len(_MENTION.findall(text))
    repeated = _repetition(words.words)
    bot_signals: list[tuple[str, float]] = []
    if repeated:
        bot_signals.append((f"repeated text ({repeated})", 0.6))
    if mentions >= 5 and links:
        bot_signals.append((f"{mentions} mentions and a link", 0.4))
    if links and mention.followers <= 5 and not mention.verified:
        bot_signals.append((f"link from an account with {mention.followers} followers", 0.3))
    signals = strong + weak
    spam_score = sum(w for _, w in signals) + 0.5 * sum(w for _, w in bot_signals)
    bot_score = sum(w for _, w in bot_signals)
    if mention.verified:
        spam_score, bot_score = spam_score / 2, bot_score / 2
    strong_bot = any(name.startswith(("repeated", f"{mentions} mentions")) for name, _ in bot_signals)
    if (strong or strong_bot) and spam_score >= SPAM_CLOSE_AT:
        spam = _vote("spam", spam_score, signals + bot_signals, reasons)
    else:
        if spam_score >= 0.6:
            named = ", ".join(s for s, _ in signals + bot_signals)
            reasons.append(f"possible spam, routed for a person (weak signals only: {named})")
        spam = Signal(False, round(max(0.5, 0.9 - min(spam_score, SPAM_CLOSE_AT) / 2), 3))
    bot = _vote("bot-like", bot_score, bot_signals, reasons)
    return spam, bot


def _vote(name: str, score: float, signals: list[tuple[str, float]], reasons: list[str]) -> Signal:
    """A signal is on at score 0.6; confidence grows with the score either side of that line."""
    if score >= 0.6:
        reasons.append(f"{name}: {', '.join(s for s, _ in signals)}")
        return Signal(True, round(min(0.95, 0.5 + score / 3), 3))
    return Signal(False, round(max(0.5, 0.9 - score / 2), 3))


def _repetition(words: list[str]) -> str:
    if len(words) >= 6:
        word, count = Counter(words).most_common(1)[0]
        if count / len(words) >= 0.5:
            return f"{word!r} {count} times"
    return ""


def _needs_response(
    text: str,
    content: str,
    words: Words,
    mention: MentionFeatures,
    sentiment: Signal,
    urgency: Signal,
    spam: Signal,
    wants_dm: Signal,
    reasons: list[str],
) -> Signal:
    """Whether the message needs an answer. Only a plain thank-you or praise (no question, no problem, no
    "but") needs none; it goes to the acknowledge lane, where a person still sees it."""
    if spam.value:
        reasons.append("no response: spam")
        return Signal(False, spam.confidence)
    if wants_dm.value:
        reasons.append("needs response: asks to continue by DM")
        return Signal(True, 0.85)
    if "?" in text and not any(ch.isalnum() for ch in content):
        reasons.append("needs response: a customer waiting ('?')")
        return Signal(True, 0.8)
    if not content and _URL.search(text):
        reasons.append("needs response: only a link (a photo, a booking?), so a person looks")
        return Signal(True, 0.5)
    if not content or not any(ch.isalnum() for ch in content):
        if sentiment.value == "negative":
            reasons.append("needs response: an angry message without words")
            return Signal(True, 0.55)
        if mention.is_dm:
            reasons.append("needs response: a direct message with nothing to read yet")
            return Signal(True, 0.5)
        reasons.append("no response: nothing to answer (no words)")
        return Signal(False, 0.6)
    question = "?" in text or bool(words.find(_QUESTION_TERMS))
    thanks = words.find(_THANKS_TERMS)
    if urgency.value:
        reasons.append("needs response: urgent")
        return Signal(True, 0.9)
    if sentiment.value == "negative":
        reasons.append("needs response: a complaint")
        return Signal(True, round(0.6 + 0.3 * sentiment.confidence, 3))
    if question:
        reasons.append("needs response: a question or a request")
        return Signal(True, 0.75)
    if (thanks or sentiment.value == "positive") and _BUT.search(content):
        reasons.append("needs response: thanks, but more follows")
        return Signal(True, 0.6)
    negation = _NEGATION.search(content)
    if negation:
        reasons.append(f"needs response: praise words with {negation.group(0)!r}, so a person reads it")
        return Signal(True, 0.55)
    if words.find(_COMPLAINT_TERMS):
        reasons.append("needs response: mentions a problem")
        return Signal(True, 0.6)
    praised = thanks or words.find(_PRAISE_TERMS)
    doubt = _doubt(text, words)
    if praised and not doubt:
        reasons.append(f"no response: thanks or praise ({', '.join(praised[:2])})")
        return Signal(False, 0.7 if thanks else 0.6)
    if praised or sentiment.value == "positive":
        # Only plain thanks or praise goes to the acknowledge lane: anything doubtful is read at P3.
        why = f"with {doubt!r}" if doubt else "without a word of thanks or praise"
        reasons.append(f"needs response: positive {why}, so a person reads it")
        return Signal(True, 0.5)
    # Unclear: better that a person glances at it than that it is silently closed.
    reasons.append("needs response: unclear, so a person looks")
    return Signal(True, 0.5 if not mention.is_dm else 0.65)
