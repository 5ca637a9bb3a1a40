"""Database discovery: introspect stores, classify columns, find what may not be stored."""
