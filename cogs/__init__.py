"""Slash commands. Each cog parses options, calls one service and renders the reply."""
