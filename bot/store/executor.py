"""Old name of `bot.store.reader`: delete once bot/core/personal_data.py imports that.

Kept only because personal_data.py is being edited on another branch right now.
"""

from bot.store.reader import Reader

__all__ = ["Reader"]
