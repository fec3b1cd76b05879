"""DTSEN warehouse: the Python parts that are not SQL (generator, delivery intake, CLI)."""
