"""Old name of `bot.store.reader`: delete once nothing imports it any more.

Kept only for core/grading.py, personal_data.py and preferences.py, which other branches
are editing right now; each import is one line to change to `bot.store.reader`.
"""

from bot.store.reader import Reader

__all__ = ["Reader"]
