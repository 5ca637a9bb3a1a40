"""The neutral leaf: what every layer may use and nothing in it imports another layer."""
