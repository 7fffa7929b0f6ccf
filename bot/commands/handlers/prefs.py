"""`/prefs set|show|clear`: a student's ranked paper preferences."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import ordinal
from bot.core.preferences import Ranking

RANKS = ("first", "second", "third", "fourth", "fifth")
SAVED = "Your ranking is saved"
YOURS = "Your ranking"
NOTHING_RANKED = "You have not ranked any papers yet."
CLEAR_QUESTION = "Clear your whole ranking?"
CLEAR_LABEL = "Yes, clear it"
CLEARED = "Your ranking is cleared."


def ranking_lines(ranking: Ranking, style: Style) -> list[str]:
    return [
        f"{style.bold(ordinal(rank))} {style.code(paper.code)} — {style.escape(paper.title)}"
        for rank, paper in enumerate(ranking.papers, start=1)
    ]


def ranking_notes(ranking: Ranking, style: Style) -> list[tuple[str, str]]:
    """When it last changed and whether it is still short, as (name, value) pairs."""
    notes = []
    if ranking.updated_at is not None:
        notes.append(("Last changed", style.when(ranking.updated_at)))
    if not ranking.complete:
        notes.append(
            (
                "Incomplete",
                f"Please rank at least {ranking.seminar.pref_count} papers with "
                f"{style.code(style.command('prefs set'))}.",
            )
        )
    return notes


def ranking_text(ranking: Ranking, style: Style) -> str:
    lines = ranking_lines(ranking, style) or [NOTHING_RANKED]
    lines.extend(f"{name}: {value}" for name, value in ranking_notes(ranking, style))
    return "\n".join(lines)


async def set_(call: Call) -> Answer:
    values = call.invocation.values
    choices = [str(values[name]) for name in RANKS if name in values]
    ranking = await call.services.preferences.set(call.place_id, call.account_id, choices)
    return Answer(ranking_text(ranking, call.style), title=SAVED)


async def show(call: Call) -> Answer:
    ranking = await call.services.preferences.show(call.place_id, call.account_id)
    return Answer(ranking_text(ranking, call.style), title=YOURS)


async def clear(call: Call) -> Answer:
    preferences = call.services.preferences
    place, account = call.place_id, call.account_id
    await preferences.show(place, account)  # refuses non-participants before asking

    async def confirmed() -> Answer:
        await preferences.clear(place, account)
        return Answer(CLEARED)

    return Answer(CLEAR_QUESTION, confirm=Confirmation(CLEAR_QUESTION, CLEAR_LABEL, confirmed))
