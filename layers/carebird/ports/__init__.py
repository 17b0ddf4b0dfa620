"""Contracts shared by more than one domain package. `x`: the failures every X port may raise
(ingestion reads and outbound delivery decide by these types; the tweepy adapters in `carebird.adapters.x`
raise them)."""
