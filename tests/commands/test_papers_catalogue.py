"""`/papers` through the command layer: the catalogue rendered once per change."""

from __future__ import annotations

from tests.commands.helpers import Session
from tests.commands.test_story import set_up


async def test_papers_show_every_change_and_the_topic_as_typed(session: Session) -> None:
    await set_up(session)
    assert (await session.run("/papers")).text.startswith("The catalogue is empty so far.")
    await session.run("/admin paper add code:wei-ma-2019 title:Sample complexity topic:Theory")
    await session.run("/admin paper add code:jacot-2018 title:Neural Tangent Kernel")
    first = await session.run("/papers")
    assert first.title == "Paper catalogue"
    assert "`wei-ma-2019` — **Sample complexity**" in first.text
    assert "2 papers ·" in first.text
    assert (await session.run("/papers")).text == first.text
    # One rendering for both spellings of the topic; each heading as its reader typed it.
    lower = await session.run("/papers topic:theory")
    upper = await session.run("/papers topic:THEORY")
    assert (lower.title, upper.title) == ("Papers on theory", "Papers on THEORY")
    assert lower.text == upper.text and "jacot-2018" not in lower.text
    assert "1 paper ·" in lower.text
    await session.run("/admin paper edit paper:wei-ma-2019 title:Sample complexity, revised")
    assert "**Sample complexity, revised**" in (await session.run("/papers")).text
    assert "**Sample complexity, revised**" in (await session.run("/papers topic:Theory")).text
    assert (await session.run("/papers topic:Nothing")).text.startswith("No papers on topic")
