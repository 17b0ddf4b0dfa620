"""The one chain reader of both feeds (`carebird.ingest.chains`), on pages made here."""

from __future__ import annotations

from datetime import timedelta

from carebird.ingest.chains import read_chain
from carebird.ingest.model import Author, Mention, Page
from carebird.ingest.summary import FeedCounts
from carebird.ports.x import TransientXError
from tests.support.ingest_fakes import T0


def post(number: int) -> Mention:
    return Mention(id=str(number), author=Author(id="55"), text=f"post {number}", created_at=T0)


class Pages:
    """A feed of posts `newest`..1, newest first, paged by offset tokens; records the sizes asked for."""

    def __init__(self, newest: int, fail_on: int | None = None) -> None:
        self.posts = [post(n) for n in range(newest, 0, -1)]
        self.sizes: list[int] = []
        self.fail_on = fail_on

    def fetch(self, token: str | None, size: int) -> Page[Mention]:
        self.sizes.append(size)
        if self.fail_on == len(self.sizes):
            raise TransientXError("502 from X")
        start = int(token or 0)
        page = self.posts[start : start + size]
        more = start + size < len(self.posts)
        return Page(messages=page, next_token=str(start + size) if more else None, rate=None, reads=len(page))


def test_a_chain_that_stops_at_its_floor_grows_its_pages_and_keeps_only_what_is_above() -> None:
    pages, counts = Pages(40), FeedCounts()
    chain = read_chain(
        pages.fetch, counts, floor=26, first_size=2, max_size=8, max_pages=20, stop_at_floor=True
    )

    assert [m.number for m in chain.ascending()] == list(range(27, 41))
    assert pages.sizes == [2, 4, 8, 8]  # doubling up to the largest page, then stopped at the floor
    assert chain.reached_floor and not chain.truncated and counts.reads == 22


def test_a_chain_that_runs_to_the_end_is_cut_when_it_is_as_long_as_x_reach_may_have_cut_it() -> None:
    short = read_chain(
        Pages(5).fetch, FeedCounts(), floor=0, first_size=2, max_size=2, max_pages=20, cut_at=6
    )
    long = read_chain(Pages(6).fetch, FeedCounts(), floor=0, first_size=2, max_size=2, max_pages=20, cut_at=6)
    endless = read_chain(Pages(9).fetch, FeedCounts(), floor=0, first_size=2, max_size=2, max_pages=3)

    assert (len(short.messages), short.truncated) == (5, False)
    assert (len(long.messages), long.truncated) == (6, True)
    assert (len(endless.messages), endless.truncated) == (6, True)  # more pages than a chain may have


def test_a_failed_page_ends_the_chain_with_what_was_read_and_the_failure() -> None:
    chain = read_chain(
        Pages(10, fail_on=2).fetch, FeedCounts(), floor=0, first_size=3, max_size=3, max_pages=20
    )
    assert [m.number for m in chain.ascending()] == [8, 9, 10]
    assert isinstance(chain.failure, TransientXError) and not chain.truncated


def test_a_message_older_than_since_counts_as_the_floor() -> None:
    pages = Pages(6)
    pages.posts = [
        p.model_copy(update={"created_at": T0 - timedelta(minutes=7 - p.number)}) for p in pages.posts
    ]
    since = T0 - timedelta(minutes=3, seconds=30)
    chain = read_chain(
        pages.fetch,
        FeedCounts(),
        floor=0,
        since=since,
        first_size=2,
        max_size=2,
        max_pages=20,
        stop_at_floor=True,
    )
    assert [m.number for m in chain.ascending()] == [4, 5, 6]
    assert pages.sizes == [2, 2]
