"""The people-facing web server (server.py): the chat widget, its demo page and the chat API in front of Rasa,
with the public rate limits (limits.py)."""
