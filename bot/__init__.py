"""Steady: the project's own Python code (settings, storage, content, safety, channels).

Every Steady process imports this package first, so files it creates (database, keys, logs) are
owner-only whichever way it was started.
"""

import os

os.umask(0o077)
