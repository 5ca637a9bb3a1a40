"""Tests of the audit reports: HTML (also in a real browser), OSCAL, ROPA, coverage."""
