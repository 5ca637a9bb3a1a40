"""Fides (fideslang) manifests: imported as a pledge inventory and policy, exported back."""
