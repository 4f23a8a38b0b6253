"""Hazard-source register (危险源台帐): scoring methods, checks and Excel I/O."""
