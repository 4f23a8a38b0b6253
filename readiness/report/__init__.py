"""Readiness reports."""
