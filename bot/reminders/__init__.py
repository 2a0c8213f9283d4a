"""Daily check-in reminders on Telegram, which people turn on and off themselves.

schedule - parse_time, time zones of a country, next_due (pytz, correct across DST changes)
store    - set / stop / active / due / mark sent or skipped / stop unanswered (table `reminders`)
worker   - `python -m bot.reminders.worker [--once]`: sends each check-in when it is due
The dialogue is actions/reminders.py (action_set_reminder, action_stop_reminders).
"""
