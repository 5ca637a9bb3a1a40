"""pledge's data models: vocabulary, policy, inventory, and the bundled MAROSOAP policy."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_POLICY = PACKAGE_DIR / "policies" / "marosoap.yaml"
PROJECT_DIR = PACKAGE_DIR.parent  # the repository, or site-packages/pledge once installed
BUNDLED_INVENTORY = PROJECT_DIR / "inventories" / "marosoap"

__all__ = ["BUNDLED_INVENTORY", "BUNDLED_POLICY", "PACKAGE_DIR", "PROJECT_DIR"]
