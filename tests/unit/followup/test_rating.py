from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebird.followup.rating import parse_rating


@pytest.mark.parametrize(
    ("text", "score", "how"),
    [
        ("5", 5, "digit"),
        ("4/5", 4, "digit"),
        ("five stars", 5, "word"),
        ("cuatro", 4, "word"),
        ("⭐⭐⭐", 3, "stars"),
        ("😡", 1, "emoji"),
        ("❤️", 5, "emoji"),
        ("4 🙂 thanks", 4, "digit"),
        ("5 ⭐ thanks!", 5, "digit"),
        ("3⭐", 3, "digit"),
        ("5 stars lol no 1", 1, "correction"),
        ("3... actually 4", 4, "correction"),
        ("4, I mean 2", 2, "correction"),
        ("5, no problems at all", 5, "digit"),
    ],
)
def test_ratings_in_the_forms_customers_write_them(text: str, score: int, how: str) -> None:
    rating = parse_rating(text)
    assert (rating.score, rating.how) == (score, how)


@pytest.mark.parametrize("text", ["between 2 and 4", "thanks!", "3/10", "it was 2.5", "10", "", "😐 but 5"])
def test_no_single_rating_is_kept_as_text_not_guessed(text: str) -> None:
    rating = parse_rating(text)
    assert rating.score is None and rating.unparsed and rating.text == text


@given(st.text(max_size=200))
def test_every_text_has_a_defined_parse(text: str) -> None:
    rating = parse_rating(text)
    assert rating.score is None or 1 <= rating.score <= 5
    assert rating.text == text
