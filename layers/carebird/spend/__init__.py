"""What X bills a brand for what carebird does: the prices (`prices`), which billable things one X API
exchange is (`meter`), a brand's days of spend against its budget (`book`), and what an invocation
counted before it is written (`pending`). Pure: the tweepy session hook that feeds the meter is
`carebird.adapters.x.spend`, the daily counters are `carebird.storage.counters`. It imports no other
carebird package, so ingestion, delivery and the API all read it."""
