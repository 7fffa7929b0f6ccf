"""Old name of `bot.store.reader`: delete once core/personal_data.py and grading.py import that.

Kept only because those two are being edited on other branches right now.
"""

from bot.store.reader import Reader

__all__ = ["Reader"]
