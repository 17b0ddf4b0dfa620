"""What X bills a brand for what carebird does: the prices (`prices`), which billable things one X API
exchange is (`meter`), and a brand's day of spend against its budget (`budget`). Pure: the tweepy
session hook that feeds the meter is `carebird.adapters.x.spend`, the daily counters are
`carebird.storage.counters`."""
