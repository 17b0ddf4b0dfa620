"""Reports for supervisors: what happened to a brand's cases, day by day, read from pre-aggregated counters.

Every figure is counted once, where its business event is stored (carebird.reports.tallies says which
event makes which tally), into one counter item per brand, metric, day, queue and dimension. A report
reads the days it covers with one Query per metric, never the cases: its cost grows with the days and
queues it covers, not with the number of cases. carebird.reports.service turns counters into figures
with one definition each (carebird.reports.figures); the agent API's /reports routes and `carebird demo`
both print what it returns.
"""
