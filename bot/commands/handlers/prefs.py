"""`/prefs set|show|clear`: a student's ranked paper preferences."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import ordinal
from bot.core.preferences import Ranking

RANKS = ("first", "second", "third", "fourth", "fifth")


def ranking_text(ranking: Ranking, style: Style) -> str:
    lines = [
        f"{style.bold(ordinal(rank))} {style.code(paper.code)} — {style.escape(paper.title)}"
        for rank, paper in enumerate(ranking.papers, start=1)
    ]
    if not lines:
        lines.append("You have not ranked any papers yet.")
    if ranking.updated_at is not None:
        lines.append(f"Last changed: {style.when(ranking.updated_at)}")
    if not ranking.complete:
        lines.append(
            f"Incomplete: please rank at least {ranking.seminar.pref_count} papers with "
            f"{style.code(style.command('prefs set'))}."
        )
    return "\n".join(lines)


async def set_(call: Call) -> Answer:
    values = call.invocation.values
    choices = [str(values[name]) for name in RANKS if name in values]
    ranking = await call.services.preferences.set(call.place_id, call.account_id, choices)
    return Answer(ranking_text(ranking, call.style), title="Your ranking is saved")


async def show(call: Call) -> Answer:
    ranking = await call.services.preferences.show(call.place_id, call.account_id)
    return Answer(ranking_text(ranking, call.style), title="Your ranking")


async def clear(call: Call) -> Answer:
    preferences = call.services.preferences
    place, account = call.place_id, call.account_id
    await preferences.show(place, account)  # refuses non-participants before asking

    async def confirmed() -> Answer:
        await preferences.clear(place, account)
        return Answer("Your ranking is cleared.")

    question = "Clear your whole ranking?"
    return Answer(question, confirm=Confirmation(question, "Yes, clear it", confirmed))
