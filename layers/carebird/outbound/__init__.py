"""Outbound delivery to X: an agent's reply reaches the customer exactly once, whole, in the right thread.

- `text`: X's weighted length and the splitting of a long reply into a numbered thread.
"""
