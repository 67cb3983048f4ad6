"""Benchmarks: timed runs of the product's hot paths (`python -m benchmarks.<name>`), not tests."""
