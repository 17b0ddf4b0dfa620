"""The real-traffic replay of author reads: what the author directory would read from X."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from carebird_ops.bench.author_reads import DEFAULT_DATA, load, replay, report


def tweet(n: int, name: str, at: str, airline: str = "United") -> dict[str, str]:
    return {"tweet_id": str(n), "name": name, "airline": airline, "text": f"post {n}", "tweet_created": at}


def test_an_author_is_read_once_within_max_age_and_again_after_it() -> None:
    rows = [
        tweet(1, "ann", "2015-02-16 10:00:05 -0800"),
        tweet(2, "ann", "2015-02-18 10:00:05 -0800"),  # two days later: the directory knows her
        tweet(3, "ann", "2015-02-26 10:00:05 -0800"),  # ten days after the first read: read again
    ]
    found = replay(rows, timedelta(days=7))
    assert (found.messages, found.authors, found.user_reads) == (3, 1, 2)
    assert found.reads_per_message == pytest.approx(5 / 3)
    assert found.author_days == 3  # expanded in every read, X bills her on each of the three days


def test_one_lookup_serves_a_page_and_the_directory_is_shared_by_brands() -> None:
    rows = [
        tweet(1, "ann", "2015-02-16 10:00:05 -0800"),
        tweet(2, "ann", "2015-02-16 10:00:50 -0800"),  # the same minute: the same page
        tweet(3, "bob", "2015-02-16 10:00:20 -0800"),
        tweet(4, "ann", "2015-02-16 11:00:00 -0800", airline="Delta"),  # another brand, known already
    ]
    found = replay(rows, timedelta(days=7))
    assert (found.messages, found.authors, found.user_reads, found.author_days) == (4, 2, 2, 2)


def test_without_the_dataset_the_report_says_it_skipped(tmp_path: Path) -> None:
    assert "skipped" in report(tmp_path / "absent.csv")


@pytest.mark.skipif(not DEFAULT_DATA.is_file(), reason="the airline dataset lives beside the repository")
def test_on_the_airline_dataset_most_messages_are_an_authors_first_of_the_week() -> None:
    found = replay(load(DEFAULT_DATA), timedelta(days=7))
    assert found.messages == 11_495 and found.authors < found.messages
    assert found.authors <= found.user_reads < found.author_days  # fewer reads than expanding every read
