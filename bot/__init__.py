"""seminar-bot: runs a university seminar's logistics in a Discord server."""
