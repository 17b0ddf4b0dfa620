"""The built-in classifier's vocabulary: the words, phrases and patterns its rules look for, VADER's
lexicon behind them, and `Words`, a text's n-grams built once so each term list is a few set look-ups.

The terms are for any brand (travel, money, lost items, safety, accounts): no brand's own names.
"""

from __future__ import annotations

import functools
import re
from typing import Any

# VADER's own cut-offs for its compound score.
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05

# Time-critical: what makes a message urgent, by kind, so that the reason names the kind. Words for any
# brand that sells travel, money-handling, goods or accounts: no brand or product names.
TIME_CRITICAL: dict[str, tuple[str, ...]] = {
    "stuck traveller": (
        "cancelled", "canceled", "cancellation", "stranded", "stuck", "missed my connection",
        "missed connection", "missed my flight", "delayed", "delay", "delays", "late", "rebook", "rebooked",
        "rebooking", "diverted", "overbooked", "bumped", "sitting on the tarmac", "still waiting",
        "waiting for hours", "no one is helping", "on the tarmac", "missed", "cancelado", "cancelada",
        # still not there: what should have happened has not ("supposed to leave at 8", "yet to board")
        "supposed to", "suppose to", "yet to", "still not", "still no", "still haven't", "still hasn't",
        "still have not", "still has not", "still sitting", "still stuck", "still here", "haven't left",
        "hasn't left", "have not left", "has not left", "not moving", "haven't moved", "hasn't moved",
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
COMPLAINT_TERMS: tuple[str, ...] = (
    "cancelled", "canceled", "delayed", "delay", "stranded", "stuck", "lost", "broken", "damaged",
    "refund", "overcharged", "charged twice", "still waiting", "no response", "on hold", "not working",
    "doesn't work", "didn't work", "won't let me", "can't", "cannot", "never received", "missed",
    "rude", "worst", "unacceptable", "ridiculous", "missing", "late", "waiting", "on hold", "nobody",
    "no one", "fail", "failed", "problem", "issue", "downgraded", "down graded", "downgrade", "oversold",
    "over sold",
)  # fmt: skip

# Sarcasm markers: praise words that mean the opposite ("great job... not", "#sarcasm").
SARCASM = re.compile(
    r"#sarcasm\b|#not\b|#fail\b|\.\.\.?\s*not\b|\bnot!|thanks for nothing|yeah right|said no one|"
    r"just what i needed|love (?:it )?when|love how|love being|love waiting|so glad i|"
    # praise for taking the good out of something ("well done, you took the fun out of travelling")
    r"\b(?:take|takes|took|taken|taking) (?:all )?the \w+ out of\b|"
    # thanks for a harm ("thanks for ruining my weekend", "thank you for leaving me stranded", "thanks
    # for the 5 hour delay"), not for a help ("thanks for rebooking my cancelled flight")
    r"\b(?:thanks|thank you|thx|ty)(?: so much| again| a lot)? for "
    r"(?:(?:the|a|an|my|our|your|another|yet another) )?"
    r"(?:ruin\w*|caus\w*|leav\w*|strand\w*|los(?:e|ing|t)|delay\w*|cancel\w*|wast\w*|forget\w*|"
    r"forgot\w*|ignor\w*|screw\w*|miss\w*|(?:\d+|an?|two|three|four|five|six)[- ]?(?:hours?|hrs?|days?)|"
    r"(?:making|letting) (?:me|us) (?:wait|miss|sleep|sit))\b|"
    # a shouted NOT that ends the sentence ("awesome service... NOT!"), in capitals only
    r"(?-i:\bNOT\b)\s*[!.]*\s*(?:$|#)",
    re.IGNORECASE,
)
# Negation and trouble words: praise that carries one is not plain praise ("no vouchers, nothing").
NEGATION = re.compile(
    r"\b(?:no|not|never|nothing|nobody|none|without|lack|unable|fail\w*|sucks?|absurd|refus\w*|"
    r"\w+n't|(?:do|does|did|ca|wo|is|was|are|were|has|have|had|could|should|would|ai)nt|worst|awful|terrible|horrible|disappoint\w*|frustrat\w*|poor)\b",
    re.IGNORECASE,
)
# A thank-you that goes on ("thanks, but where is my bag?") is not the end of the conversation.
BUT = re.compile(r"\b(?:but|however|though|except|unfortunately|still)\b", re.IGNORECASE)

THANKS_TERMS: tuple[str, ...] = (
    "thank you", "thanks", "thx", "ty", "appreciate it", "appreciated", "love you", "you rock", "awesome",
    "great job", "well done", "kudos", "shout out", "gracias", "merci", "danke", "obrigado", "obrigada",
    "grazie",
)  # fmt: skip

# Praise a person would sign off as praise: with a thank-you, what may go to the acknowledge lane.
PRAISE_TERMS: tuple[str, ...] = (
    "great", "amazing", "awesome", "excellent", "wonderful", "fantastic", "outstanding", "best", "love",
    "loved", "loving", "impressed", "helpful", "friendly", "appreciate", "perfect", "superb", "brilliant",
    "nice job", "good job", "great service", "enjoyed", "fabulous", "rocked", "rocks", "top notch",
    "thankful", "grateful", "glad", "way to go", "welldone", "well done", "pleasant", "professional",
)  # fmt: skip
# Reassurance: negation that is kind ("no worries", "not your fault") or eager ("can't wait for my
# trip", "nothing but good things"), not a sign of trouble.
REASSURANCE = re.compile(
    r"\b(?:no (?:worries|problem|problems|hassle|complaints)|not your fault|can'?t complain|"
    r"couldn'?t be (?:happier|more \w+)|never disappoints?|all good|(?:not a|no) big deal|"
    r"not (?:much|anything) to complain about|not kidding|(?:can'?t|cannot|could ?n'?t) wait|"
    r"nothing but (?:good|great|praise|love|the best))\b",
    re.IGNORECASE,
)
# Doubt: what keeps a positive-sounding message out of the acknowledge lane (a person reads it at P3),
# without making it a complaint: waiting (or sitting, standing), calling, wishing, comparing, a sad face,
# a "#no..." hashtag.
DOUBT = re.compile(
    r"\b(?:hung up|hang up|hangs up|hanging up|on hold|holding|hold|wait|waited|waiting|sitting|sat|standing|"
    r"minutes?|mins?|"
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
RESOLVED = re.compile(
    r"\b(?:resolved|solved|fixed|sorted|found|arrived|delivered|returned|refunded|rebooked|reissued|"
    r"got it back|got my|made it|took care|taken care|worked|works now|on time)\b",
    re.IGNORECASE,
)
# Acclaim: credit given to someone for what they did ("props to the gate agent", "kudos to the crew",
# "shout out to Anna, she handled it like a pro", "A+ work", "crisis averted"). It speaks of a problem
# already handled: with no question or request beside it, its time-critical words are no emergency.
ACCLAIM = re.compile(
    r"\b(?:props|kudos|shout ?outs?|big up|hats off|above and beyond|made my day|like a pro|heroe?s?|"
    r"top notch|rock(?:s|ed|star|stars)|(?:crisis|disaster) averted|deserves? (?:a |an |the |some )?"
    r"(?:medal|raise|award|promotion|recognition|shout ?out|kudos|credit|pat|high five))\b|(?<!\w)a\+(?!\w)",
    re.IGNORECASE,
)
# Superlative praise ("the friendliest crew", "best trip ever"): acclaim too, when nothing is negated.
SUPERLATIVE = re.compile(r"\b(?:best|friendliest|nicest|greatest|smoothest|finest)\b", re.IGNORECASE)
AMOUNT = re.compile(
    r"[$€£¥]\s?\d[\d,.]*|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars|euros|pounds)\b", re.IGNORECASE
)
# A duration, in digits or words ("2 hrs", "45min", "an hour", "two days", "half an hour", "several hours").
DURATION = re.compile(
    r"\b(?:\d+(?:\.\d+)?\+?\s*(?:hours?|hrs?|h|minutes?|mins?|days?)|"
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many|half an?)"
    r"(?:\s+(?:more|extra|whole|full))?\s+(?:hours?|hrs?|days?|minutes?|mins?))\b",
    re.IGNORECASE,
)

# A request in the first person ("I want to claim the cost of the hotel"): the customer wants something
# done, however politely it is put.
REQUEST = re.compile(
    r"\b(?:i|we)(?: really| just| still)? (?:want|need|would like|'d like|wish|expect)\b", re.IGNORECASE
)
# A plea: a request for help or action, whatever else the message says ("thanks for the help" is none).
PLEA_TERMS: tuple[str, ...] = (
    "please", "pls", "plz", "help me", "help us", "can you", "could you", "will you", "would you", "can i",
    "how do i", "how can i", "what do i", "let me know", "dm me", "need", "needs", "want",
)  # fmt: skip
QUESTION_TERMS: tuple[str, ...] = (
    "how", "why", "when", "where", "what", "which", "who", "can you", "could you", "will you", "please",
    "pls", "plz", "help", "dm", "anyone", "is there", "do you", "does",
)  # fmt: skip

PROMO_TERMS: tuple[str, ...] = (
    "giveaway", "free followers", "click here", "click the link", "check out my", "limited offer",
    "discount code", "promo code", "use code", "earn money", "make money", "work from home", "dm me for",
    "cheap", "win a", "winner", "buy now", "subscribe", "to claim", "claim your", "claim now",
)  # fmt: skip
CRYPTO_TERMS: tuple[str, ...] = (
    "crypto", "bitcoin", "btc", "eth", "ethereum", "usdt", "airdrop", "nft", "token presale", "wallet",
    "forex", "binary options", "investment opportunity", "1000x", "pump",
)  # fmt: skip
# Follow-for-follow bait: a strong spam signal. "Follow me / follow back so I can DM" is not bait but the
# most common support move on X (see DM_REQUEST).
FOLLOW_BAIT: tuple[str, ...] = (
    "follow for follow", "f4f", "follow4follow", "gain followers", "free followers", "teamfollowback",
    "follow train", "retweet to win", "rt to win",
)  # fmt: skip
DM_REQUEST: tuple[str, ...] = (
    "follow me", "follow back", "followback", "follow us", "please follow", "pls follow", "dm me",
    "dm you", "sent a dm", "send a dm", "send you a dm", "direct message", "message me",
    "pm me", "can't dm", "cannot dm", "unable to dm", "so i can dm", "dm details", "dm the details",
)  # fmt: skip
# "DM" or "PM" used as a verb in any of its spellings: "DM'd", "dm'ed", "DMed", "dmd", "DMing", "DM'ing",
# "PMed", "direct messaged" (the customer has written, or is writing, in private).
DM_VERB = re.compile(
    r"\b(?:[dp]m(?:['\u2019-]?e?d|['\u2019-]?ing)|direct[- ]messag(?:ed|ing))\b", re.IGNORECASE
)

# Emoji VADER's lexicon scores as neutral (or, for a broken heart, as positive), on its -4..4 scale.
EMOJI_VALENCE: dict[str, float] = {
    "😡": -3.0, "🤬": -3.5, "😤": -2.0, "👎": -2.0, "😒": -1.5, "🙄": -1.5, "💔": -3.0, "👍": 1.5,
    "🙏": 1.0, "👏": 1.5, "💯": 1.5,
}  # fmt: skip

# A word the lexicon scores at or below this (on its -4..4 scale: "bad", "fiasco", "waste") keeps a
# message out of the acknowledge lane.
NEGATIVE_WORD_AT = -1.0

# The acknowledge lane (no answer) takes a positive reading at this confidence or more, with the lexicon
# agreeing: a brand's model unsure of its positive ("well done, you took the fun out of it") is read.
ACKNOWLEDGE_CONFIDENCE = 0.6

# A brand's sentiment model that gives praise this chance or more, on a message that asks nothing, leaves
# its time-critical words uncounted: the model doubts it is a complaint (tuned on the dev split's folds 0-3).
PRAISE_CHANCE = 0.3

# A thank-you or praise whose lexicon score reaches this is praise, even with a "but" in it.
STRONG_PRAISE_AT = 0.6

# Spam is closed without a person only at this score, with a strong signal among its reasons.
SPAM_CLOSE_AT = 0.9

URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION = re.compile(r"@\w+")
HASHTAG = re.compile(r"#\w+")
WORD = re.compile(r"\w+")


MAX_TERM_WORDS = 5


@functools.lru_cache(maxsize=256)
def _term_keys(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(term, its words joined by one space) for each term, as `Words` spells its n-grams."""
    keys = ((t.strip().lower(), " ".join(WORD.findall(t.lower()))) for t in terms)
    return tuple(dict.fromkeys((term, key) for term, key in keys if key))


class Words:
    """The word n-grams of a text, built once so that every term list is a few set look-ups."""

    def __init__(self, text: str) -> None:
        words = WORD.findall(text.lower())
        self.words = words
        self.grams = {
            " ".join(words[i : i + n])
            for n in range(1, MAX_TERM_WORDS + 1)
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


def vader_lexicon() -> dict[str, float]:
    """VADER's word valences (-4..4)."""
    lexicon: dict[str, float] = _vader().lexicon
    return lexicon
