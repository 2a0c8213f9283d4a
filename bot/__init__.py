"""Steady: the project's own Python code (settings, storage, content, safety, channels)."""
