from datetime import UTC, datetime, timedelta, timezone

from carebird.moments import readable


def test_a_moment_reads_in_utc_to_the_second() -> None:
    paris = timezone(timedelta(hours=1))
    assert readable(datetime(2026, 12, 7, 11, 11, 31, 851087, tzinfo=paris)) == "2026-12-07 10:11:31 UTC"
    assert readable(datetime(2026, 12, 7, 10, 11, 31, tzinfo=UTC)) == "2026-12-07 10:11:31 UTC"


def test_a_naive_moment_is_taken_as_utc() -> None:
    assert readable(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05 UTC"
