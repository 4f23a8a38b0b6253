"""Drill catalogue, drill plan and recorded outcomes (试运营演练)."""
