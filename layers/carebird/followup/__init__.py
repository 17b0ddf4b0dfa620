"""Follow-up: after a case is resolved, ask the customer once how it went, and read the rating they give."""
