"""The Discord front end's plumbing: the client and its one error handler (client.py),
reply rendering and confirm buttons (ui.py), the command layer's Style in Discord markdown
(style.py), the Outbox the reminder engine delivers through (outbox.py), and the scheduled
events it mirrors (scheduled_events.py). The slash commands themselves are the cogs in
cogs/; what they say comes from bot/commands/handlers."""
