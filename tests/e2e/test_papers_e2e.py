"""/papers paging end to end: the real bot process against the fake Discord.

The Previous / Next buttons under a /papers answer are persistent: a click is answered
from what the button's id says, so the buttons of an answer sent before a restart
still page afterwards (before, their view died with the process and Discord said
"This interaction failed").
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.helpers import catalogue_csv, private, set_up_seminar
from tests.fakediscord import FakeDiscord, InteractionResult

pytestmark = pytest.mark.e2e


def papers_csv() -> bytes:
    return catalogue_csv(
        (f"paper-{n:02d}", f"Title {n}", "", "", "", "", "Kernels" if n < 20 else "Other", 1)
        for n in range(21)
    )


def footer(resp: InteractionResult) -> str:
    (embed,) = resp.embeds
    return str(embed["footer"]["text"])


async def test_papers_pages_survive_a_restart(fake: FakeDiscord, bot: BotProcess) -> None:
    org = fake.organiser
    private(await set_up_seminar(fake, title="Theoretical Advances in Deep Learning"))
    private(
        await fake.command(
            "admin paper import", user=org, file=fake.add_attachment("p.csv", papers_csv())
        )
    )
    alice = fake.add_member("alice")
    answer = private(await fake.command("papers", user=alice, topic="kernels"))
    assert footer(answer).startswith("Page 1/3 · 20 papers")
    turned = await fake.click(answer, "Next ▶")
    assert footer(turned).startswith("Page 2/3 · 20 papers")
    assert "paper-08" in turned.plain and "paper-20" not in turned.plain

    await bot.restart()
    turned = await fake.click(turned, "Next ▶", user=alice)
    assert footer(turned).startswith("Page 3/3 · 20 papers")
    assert "Papers on Kernels" in turned.plain and "paper-16" in turned.plain
    assert [b.disabled for b in turned.messages[0].buttons] == [False, True]
    turned = await fake.click(turned, "◀ Previous", user=alice)
    assert footer(turned).startswith("Page 2/3")
