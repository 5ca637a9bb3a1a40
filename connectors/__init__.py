"""Doors to real systems: Terraform plans, Fides manifests and databases, read as inventory.

Each connector turns what a real system says about itself into the inventory
model of :mod:`pledge.policy_model` (and, where the system contradicts the
inventory, into findings). Connectors sit beside :mod:`pledge.reports`, above
:mod:`pledge.checks`; the command line is the only layer above them.
"""
