"""Benchmarks run by `make bench-*`: measured on the local stack, printed as tables."""
