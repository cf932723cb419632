"""The Telegram adapter: updates in, domain calls, messages out. No survey logic lives here."""

import os

# Opt in to python-telegram-bot's coming behaviour (time spans as timedelta, e.g.
# RetryAfter.retry_after) now, instead of a deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")
