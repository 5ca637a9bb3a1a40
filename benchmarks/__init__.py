"""Benchmarks: synthetic inventories at scale, timed phase by phase, side by side with Rego."""
