"""The built-in classifier: what triage uses for a brand that has no trained model.

No training data: sentiment is VADER's lexicon and rules (English), with a few customer-service terms on
top; skill comes from the brand's keyword rules; language, urgency, needs-response, spam and bot signals
are rules too. Every decision comes with a confidence and a short reason a person can read. Any text,
including an empty one, gives a Classification: nothing here raises on what a customer wrote.
"""

from __future__ import annotations

from collections import Counter

from carebird.classifier.language import resolve_language
from carebird.classifier.model import (
    ANY_LANGUAGE,
    BrandRules,
    Classification,
    MentionFeatures,
    Signal,
)
from carebird.classifier.priority import priority
from carebird.classifier.vocabulary import (
    ACCLAIM,
    ACKNOWLEDGE_CONFIDENCE,
    AMOUNT,
    BUT,
    COMPLAINT_TERMS,
    CRYPTO_TERMS,
    DM_REQUEST,
    DM_VERB,
    DOUBT,
    DURATION,
    EMOJI_VALENCE,
    FOLLOW_BAIT,
    HASHTAG,
    IN_PROGRESS_TERMS,
    MENTION,
    NEGATION,
    NEGATIVE_AT,
    NEGATIVE_WORD_AT,
    PLEA_TERMS,
    POSITIVE_AT,
    PRAISE_CHANCE,
    PRAISE_TERMS,
    PROMO_TERMS,
    QUESTION_TERMS,
    REASSURANCE,
    REQUEST,
    RESOLVED,
    SARCASM,
    SPAM_CLOSE_AT,
    STRONG_PRAISE_AT,
    SUPERLATIVE,
    THANKS_TERMS,
    TIME_CRITICAL,
    URGENCY_TERMS,
    URL,
    Words,
    vader_compound,
    vader_lexicon,
)


class DefaultClassifier:
    """The built-in MentionClassifier. Cheap to construct; the lexicon loads on the first classification."""

    def classify(self, mention: MentionFeatures, rules: BrandRules | None) -> Classification:
        rules = rules or BrandRules()
        text = mention.text if isinstance(mention.text, str) else ""
        content = HASHTAG.sub(lambda m: m.group(0)[1:], MENTION.sub(" ", URL.sub(" ", text))).strip()
        reasons: list[str] = []

        language, language_confidence, why = resolve_language(text, mention.lang)
        reasons.append(why)

        words = Words(content)
        urgent_terms = words.find(URGENCY_TERMS + rules.urgency_terms)
        sentiment = _sarcasm(self.sentiment_of(mention, content, words, language, reasons), text, reasons)
        but = BUT.search(content)
        rest = content[but.end() :] if but else ""
        if sentiment.value != "negative" and but and "?" in rest and Words(rest).find(URGENCY_TERMS):
            # "Thanks, but where is my bag?": a complaint with manners, and a question.
            reasons.append(f"sentiment negative: a problem after {but.group(0)!r}")
            sentiment = Signal("negative", 0.6)
        # Praise is a positive message with no sign of trouble: no negation, no problem word, no question,
        # no "but", no doubt marker. A lexicon reads "I'd just like to know where my bag is... No
        # accountability" and "yes, but I need my luggage before tomorrow" as positive.
        calm = REASSURANCE.sub(" ", content)  # kind or eager negation is no trouble ("can't wait")
        troubled = bool(NEGATION.search(calm) or Words(calm).find(COMPLAINT_TERMS))
        asks = "?" in text or bool(words.find(QUESTION_TERMS)) or bool(but)
        # A message with none of those, that the sentiment or the lexicon reads positive, is content, with
        # or without a word of thanks ("safe and sound, the trip home took 3 hours"): its trip, booking or
        # money words are no emergency. The lexicon counts as a second reader beside a brand's model,
        # which can read a happy message about a flight as a complaint; a sarcasm marker rules it out.
        content_positive = self.believes_positive(sentiment) or (
            not (troubled or asks or REQUEST.search(content) or _doubt(REASSURANCE.sub(" ", text), words))
            and (
                sentiment.value == "positive"
                or (not SARCASM.search(text) and lexicon_score(content) >= POSITIVE_AT)
            )
        )
        praise = content_positive and bool(words.find(THANKS_TERMS) or words.find(PRAISE_TERMS))
        # A trip, payment or order in progress is time-critical in a complaint, or in a neutral message
        # that carries a negation or a problem word ("3 hours on the plane, not moving"). A duration is
        # time-critical in anything but praise ("sitting at the gate for 2 hrs").
        if sentiment.value == "negative" or (not praise and troubled):
            urgent_terms += [t for t in words.find(IN_PROGRESS_TERMS) if t not in urgent_terms]
        if not praise:
            urgent_terms += [d.group(0) for d in DURATION.finditer(content)][:1]
            urgent_terms += [a.group(0) for a in AMOUNT.finditer(content)][:1]
        urgency = _urgency(urgent_terms, reasons)
        skill = self.skill_of(mention, content, words, language, rules, reasons)
        spam, bot = _spam_and_bot(text, words, mention, reasons)
        wants_dm = _wants_dm(content, words, spam, reasons)
        needs_response = _needs_response(
            text, content, words, mention, sentiment, urgency, spam, wants_dm, reasons
        )

        # "Thank you, my lost item was found": a thank-you without a question reports a problem solved.
        # Praise words count too ("great crew, got my bag back"); a thank-you that still carries trouble
        # counts only when it says the problem is solved ("thanks for rebooking me"), not when it is
        # sarcastic ("thank you for leaving me stranded... never again").
        # Strong praise ("the delay was long, but the crew was amazing") is thanks even with a "but".
        thanked = (
            bool(words.find(THANKS_TERMS) or words.find(PRAISE_TERMS))
            and "?" not in text
            and not SARCASM.search(text)
            and (
                (
                    not but
                    and (not NEGATION.search(REASSURANCE.sub(" ", content)) or bool(RESOLVED.search(content)))
                )
                or vader_compound(content) >= STRONG_PRAISE_AT
            )
        )
        # Credit for a problem handled counts unless a question or a plea stands beside it; the model's
        # doubt only when nothing asks at all (no question word, "but" or request either).
        pleads = "?" in text or bool(words.find(PLEA_TERMS) or REQUEST.search(content))
        acclaim = "" if thanked or pleads else _acclaim(text, content)
        quiet = not (thanked or pleads or asks or SARCASM.search(text))
        chance = self.praise_chance(mention) if quiet else None
        doubted = chance is not None and chance >= PRAISE_CHANCE
        if thanked and urgency.value:
            reasons.append("time-critical words not counted: a thank-you without a question")
        elif acclaim and urgency.value:
            reasons.append(f"time-critical words not counted: credit for a problem handled ({acclaim!r})")
        elif doubted and urgency.value:
            reasons.append(
                f"time-critical words not counted: the brand's model gives praise a {chance:.0%} chance, "
                "and nothing is asked"
            )
        elif content_positive and urgency.value and self.believes_positive(sentiment):
            reasons.append("time-critical words not counted: the brand's model reads it positive")
        elif content_positive and urgency.value:
            reasons.append("time-critical words not counted: positive, with no trouble, question or doubt")
        time_critical = bool(urgency.value) and not (thanked or acclaim or doubted or content_positive)
        level = priority(
            sentiment=str(sentiment.value),
            sentiment_confidence=sentiment.confidence,
            urgent=time_critical,
            urgency_confidence=urgency.confidence,
            followers=max(0, int(mention.followers or 0)),
            verified=bool(mention.verified),
            engagement=mention.engagement,
            needs_response=bool(needs_response.value),
            urgent_kinds=_kinds(urgent_terms),
            praise=False,  # already in time_critical
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
            time_critical=Signal(time_critical, urgency.confidence),
        )

    def believes_positive(self, sentiment: Signal) -> bool:
        """Whether a positive reading is enough, on its own, to call the message content. Not for a
        general lexicon: it reads many complaints positive ("please help, my luggage is somewhere in a
        warehouse"), so the message must also be free of trouble, questions and doubt."""
        return False

    def praise_chance(self, mention: MentionFeatures) -> float | None:
        """The probability that the message is praise, from a reader that gives one (a brand's sentiment
        model); None for the lexicon, which gives a score, not a probability."""
        return None

    def sentiment_of(
        self, mention: MentionFeatures, content: str, words: Words, language: str | None, reasons: list[str]
    ) -> Signal:
        """Sentiment from the text without links and mentions; appends its reason."""
        if not content:
            reasons.append("sentiment neutral: nothing to read but links or mentions")
            return Signal("neutral", 0.5)
        compound = lexicon_score(content)
        complaints = Words(REASSURANCE.sub(" ", content)).find(COMPLAINT_TERMS)
        if compound <= NEGATIVE_AT:
            label, confidence = "negative", 0.55 + 0.4 * min(1.0, -compound)
            why = f"sentiment negative: lexicon score {compound:.2f}"
        elif complaints and compound < 0.5 and not (compound >= 0.3 and words.find(THANKS_TERMS)):
            # "My flight was cancelled" has no negative word in a general lexicon, but it is a complaint.
            label, confidence = "negative", 0.55 + 0.05 * min(3, len(complaints)) - 0.2 * max(0.0, compound)
            why = f"sentiment negative: reports a problem ({', '.join(complaints[:3])})"
        elif compound >= POSITIVE_AT:
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


def lexicon_score(content: str) -> float:
    """VADER's compound score of the text, blended with the emoji it misses (on VADER's normalisation,
    x / sqrt(x^2 + 15))."""
    compound = vader_compound(content)
    emoji = [e for e in EMOJI_VALENCE if e in content]
    if emoji:
        total = sum(EMOJI_VALENCE[e] for e in emoji)
        compound = max(-1.0, min(1.0, compound + total / (total * total + 15) ** 0.5))
    return compound


def _unsettled(sentiment: Signal, content: str) -> str:
    """Why the acknowledge lane may not trust this positive reading ("" when it may). Nobody answers a
    message in that lane, so it takes two readers agreeing: the sentiment (the lexicon's, or a brand's
    model's) positive at confidence ACKNOWLEDGE_CONFIDENCE or more, and the lexicon reading it positive
    too. A neutral reading with a word of praise in it ("shout out to the crew, my glass stayed half
    full"), a model unsure of its positive, or a model and a lexicon that disagree leave the message
    for a person at P3."""
    if sentiment.value != "positive":
        return f"the sentiment is {sentiment.value}"
    if sentiment.confidence < ACKNOWLEDGE_CONFIDENCE:
        return f"positive at only {sentiment.confidence:.2f}"
    if lexicon_score(content) < POSITIVE_AT:
        return "the lexicon does not read it positive"
    return ""


def _doubt(text: str, words: Words) -> str:
    """What keeps a message that sounds positive out of the acknowledge lane: a doubt marker, or a word
    the lexicon scores clearly negative ("a pleasant crew, what a fiasco")."""
    marker = DOUBT.search(text)
    if marker:
        return marker.group(0)
    lexicon = vader_lexicon()
    return next((w for w in words.words if lexicon.get(w, 0.0) <= NEGATIVE_WORD_AT), "")


def _acclaim(text: str, content: str) -> str:
    """Credit given to someone for a problem handled ("props to the gate agent", "A+ work", "crisis
    averted"), or superlative praise with nothing negated ("the friendliest crew ever"): the acclaim, or
    "". The caller has ruled out questions and requests; a sarcasm marker rules it out here."""
    if SARCASM.search(text):
        return ""
    found = ACCLAIM.search(content)
    if found:
        return found.group(0)
    best = SUPERLATIVE.search(content)
    return best.group(0) if best and not NEGATION.search(REASSURANCE.sub(" ", content)) else ""


def _kinds(terms: list[str]) -> tuple[str, ...]:
    """The kinds of time-critical trouble the terms name ("stuck traveller", "money", ...)."""
    found = set(terms)
    kinds = tuple(kind for kind, kind_terms in TIME_CRITICAL.items() if found.intersection(kind_terms))
    if any(DURATION.fullmatch(term) for term in terms):
        kinds += ("waiting",)
    if any(AMOUNT.fullmatch(term) for term in terms) and "money" not in kinds:
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
    marker = SARCASM.search(text)
    if marker is None or sentiment.value == "negative":
        return sentiment
    reasons.append(f"sentiment negative: sarcasm marker {marker.group(0).strip()!r}")
    return Signal("negative", 0.6)


def _wants_dm(text: str, words: Words, spam: Signal, reasons: list[str]) -> Signal:
    """ "Follow me so I can DM you the details", "DMed you": the customer asks to continue in private, or
    has already written there (DM_VERB: "DM" or "PM" as a verb in any of its spellings)."""
    asked = words.find(DM_REQUEST) + [m.group(0) for m in DM_VERB.finditer(text)][:1]
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
    links = len(URL.findall(text))
    if links and len(words.words) <= 1:
        weak.append(("only links", 0.4))
    promo = words.find(PROMO_TERMS)
    if promo:
        (strong if links else weak).append((f"promotion ({', '.join(promo[:2])})", 0.35 * len(promo)))
    crypto = words.find(CRYPTO_TERMS)
    if crypto:
        (strong if links else weak).append((f"crypto ({', '.join(crypto[:2])})", 0.45 * len(crypto)))
    bait = words.find(FOLLOW_BAIT)
    if bait:
        strong.append((f"follower bait ({', '.join(bait[:2])})", 0.6 * len(bait)))
    if len(HASHTAG.findall(text)) >= 5:
        weak.append(("many hashtags", 0.3))
    mentions = len(MENTION.findall(text))
    repeated = _repetition(words.words)
    bot_signals: list[tuple[str, float]] = []
    if repeated:
        bot_signals.append((f"repeated text ({repeated})", 0.6))
    if mentions >= 5 and links:
        bot_signals.append((f"{mentions} mentions and a link", 0.4))
    if links and mention.followers is not None and mention.followers <= 5 and not mention.verified:
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
    if not content and URL.search(text):
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
    question = "?" in text or bool(words.find(QUESTION_TERMS))
    thanks = words.find(THANKS_TERMS)
    if urgency.value:
        reasons.append("needs response: urgent")
        return Signal(True, 0.9)
    if sentiment.value == "negative":
        reasons.append("needs response: a complaint")
        return Signal(True, round(0.6 + 0.3 * sentiment.confidence, 3))
    if question:
        reasons.append("needs response: a question or a request")
        return Signal(True, 0.75)
    if (thanks or sentiment.value == "positive") and BUT.search(content):
        reasons.append("needs response: thanks, but more follows")
        return Signal(True, 0.6)
    negation = NEGATION.search(content)
    if negation:
        reasons.append(f"needs response: praise words with {negation.group(0)!r}, so a person reads it")
        return Signal(True, 0.55)
    if words.find(COMPLAINT_TERMS):
        reasons.append("needs response: mentions a problem")
        return Signal(True, 0.6)
    praised = thanks or words.find(PRAISE_TERMS)
    doubt = _doubt(text, words)
    unsettled = _unsettled(sentiment, content) if praised and not doubt else ""
    if unsettled:
        reasons.append(f"needs response: praise words, but {unsettled}, so a person reads it")
        return Signal(True, 0.5)
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
