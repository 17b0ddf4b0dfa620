"""Reading a brand's mentions through X's recent search (GET /2/tweets/search/recent), for the gaps the
mentions timeline no longer serves: search reaches the last 7 days, however many mentions came since.

Implements `carebird.ingest.ports.MentionsSearch`. The query is `@handle -from:handle`: posts that
mention the brand in their text or, for a reply, in its reply prefix, not the brand's own. Unlike the
timeline it does not find a quote of the brand's post that never names the brand. Pages come back as
the timeline's do (the same fields, the same `Mention`s); search bills each post it returns at the post
read price, never the owned-read one.
"""

from __future__ import annotations

from typing import Any

import requests
import tweepy

from carebird.adapters.x.mentions import TWEET_FIELDS, TweepyMentionsReader
from carebird.brands import Brand
from carebird.ingest.model import MentionsQuery

SEARCH_MIN_RESULTS = 10  # X's max_results for recent search is 10..100


def mentions_query(handle: str) -> str:
    return f"@{handle} -from:{handle}"


class TweepyMentionsSearch(TweepyMentionsReader):
    what = "recent search"
    source = "recent search"

    def _request(self, client: tweepy.Client, brand: Brand, query: MentionsQuery) -> requests.Response:
        params: dict[str, Any] = {
            "max_results": max(SEARCH_MIN_RESULTS, min(100, query.max_results)),
            "tweet_fields": TWEET_FIELDS,
            "user_auth": True,
        }
        for name in ("since_id", "start_time", "end_time", "until_id"):
            value = getattr(query, name)
            if value is not None:
                params[name] = value
        if query.pagination_token is not None:
            params["next_token"] = query.pagination_token
        response: requests.Response = client.search_recent_tweets(mentions_query(brand.handle), **params)
        return response
