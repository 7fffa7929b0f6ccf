"""The Matrix front end: a mautrix client that reads `!` commands in seminar rooms.

It turns room messages into the command layer's invocations, renders answers
(`m.notice`, private ones in the asker's DM room), asks confirmations with a ✅
reaction, and delivers the reminder engine's notices as the Matrix outbox. No
business rules and no SQL of the seminar live here: the core services and the
command layer own those; this package keeps only Matrix's own state (device,
sync token, DM rooms, mautrix's room-state cache) in a database file of its own.
"""
