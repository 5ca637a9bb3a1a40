"""Gating a change: selecting findings, baselines, waivers, the diff of two inventories."""
