"""The triage steps' own errors, in a module of their own: the Classify function raises them without
importing the execution's pydantic models (carebird.triage.execution), which its cold start does without."""

from __future__ import annotations


class BrandNotFound(LookupError):
    """The execution names a brand this deployment does not have (removed since the hand-off)."""
