"""Steady's custom actions, one module per concern. Run with `rasa run actions --actions actions`."""
