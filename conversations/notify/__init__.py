"""Notifications to other people, written in the recipient's language through `ctx.notify`.

One module per audience (mentors, …); flows call these functions after the store has changed,
in the same unit of work, so a notification goes out only if the change is committed.
"""
