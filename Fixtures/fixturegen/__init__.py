"""Helpers for Fixtures/generate.py.  Nothing here ever unpickles anything."""
