"""The people-facing web server: the local chat page (and later the widget) in front of Rasa."""
