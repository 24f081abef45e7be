"""Scheduled jobs: plain functions of a unit-of-work factory and the time `now`.

`bot/scheduler.py` runs them (APScheduler); nothing here knows about it. Each job is one unit
of work and idempotent — running it twice has the effect of running it once: messages carry
an outbox dedupe key naming the recipient and the period (the Nairobi day, the ISO week), and
state changes are conditional updates. Each message is written in its recipient's language.
"""
