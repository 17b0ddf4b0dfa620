"""The inbox's composer counts with X's own `twitter-text` (npm); delivery counts with carebird.outbound.text.
Both must say the same, or the counter an agent watches would disagree with the thread they get."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from carebird.outbound.text import weighted_length
from tests.conftest import REPO

SAMPLES = [
    "Thanks, we are on it.",
    "Sorry about the double charge 🙏🏽 we have refunded it",
    "👨‍👩‍👧‍👦 family ticket, 🇯🇵 flag, 1️⃣ keycap, 🏴󠁧󠁢󠁳󠁣󠁴󠁿 tag sequence",
    "ご迷惑をおかけして申し訳ございません。返金手続きを行いました。",
    "您好\uff0c我们已经为您办理退款。",  # with a full-width comma
    "مرحبا، تم رد المبلغ إلى بطاقتك",
    "Details here: https://example.com/help/refunds?order=1234 and more",
    "café naïve — “quotes” … ‱ \u2032 \u2033",  # primes weigh 1
    "e\u0301 combining accent,\nand a second line",  # a textarea's value has LF line breaks only
    "x" * 300,
]


def twitter_text_weights(texts: list[str]) -> list[int]:
    script = (
        "const tt = require('twitter-text');"
        "let input = '';"
        "process.stdin.on('data', d => input += d);"
        "process.stdin.on('end', () => console.log(JSON.stringify("
        "JSON.parse(input).map(t => tt.parseTweet(t).weightedLength))));"
    )
    done = subprocess.run(
        ["node", "-e", script], input=json.dumps(texts), capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0, done.stderr
    weights: list[int] = json.loads(done.stdout)
    return weights


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node (the inbox's build needs it too)")
def test_the_composer_and_delivery_weigh_text_alike() -> None:
    if not (REPO / "node_modules" / "twitter-text").exists():
        pytest.fail("no node_modules/twitter-text: run `make setup`")
    assert twitter_text_weights(SAMPLES) == [weighted_length(text) for text in SAMPLES]
