"""The Telegram channel on python-telegram-bot: updates in, outbox out, polling or webhook."""

import os

# Opt in to PTB's time periods as `timedelta` (its next major version's default): without it,
# every `RetryAfter` PTB builds emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")
