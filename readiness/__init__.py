"""metro-readiness: pre-opening safety readiness for new metro lines.

Kept import-light on purpose: `readiness --version` must not pull in SQLAlchemy,
pandas, openpyxl or networkx.
"""

__version__ = "0.1.0"
