"""The flow graph: the inventory as numbered nodes and flows, its classes and its queries."""
