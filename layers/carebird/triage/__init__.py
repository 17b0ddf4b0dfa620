"""Triage: classify each customer message, keep one customer's conversation in one case, route it."""
