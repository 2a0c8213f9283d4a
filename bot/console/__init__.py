"""The counselor console: queue, transcripts, live takeover, audit trail and analytics.

Start it with `python -m bot.console.server`; create accounts with `python -m bot.console.accounts`.
"""
