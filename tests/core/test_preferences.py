"""/prefs set|show|clear: ranked preferences, and every refusal leaving the ranking alone."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.core.errors import DeadlinePassed, DomainError, InvalidInput, NotAllowed
from bot.core.models import Seminar
from bot.core.services import Services
from tests.clock import FakeClock
from tests.core.helpers import (
    GUILD,
    ORGANISER,
    add_paper,
    join_all,
    make_seminar,
    ranking_codes,
)

CODES = ("wei-ma-2019", "jacot-2018", "du-2019", "allen-zhu-2019", "arora-2019", "mei-2018")
STUDENT = 101
FIRST_RANKING = ["wei-ma-2019", "jacot-2018", "du-2019"]


@pytest.fixture
async def ranked(services: Services, seminar: Seminar, clock: FakeClock) -> int:
    """Papers in the catalogue, students 101-104 (104 waits), 101 has ranked three."""
    titles = {
        "jacot-2018": "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
        "du-2019": "Gradient Descent Finds Global Minima of Deep Neural Networks",
    }
    for code in CODES:
        await add_paper(services, code, titles.get(code))
    await join_all(services, 101, 102, 103, 104)
    ranking = await services.preferences.set(GUILD, STUDENT, FIRST_RANKING)
    clock.advance(3600)
    return ranking.updated_at or 0


async def test_set_stores_the_ranking_in_order(services: Services, ranked: int) -> None:
    assert await ranking_codes(services, STUDENT) == FIRST_RANKING
    shown = await services.preferences.show(GUILD, STUDENT)
    assert [p.code for p in shown.papers] == FIRST_RANKING
    assert shown.updated_at == ranked
    assert shown.complete


async def test_set_replaces_the_whole_ranking(
    services: Services, ranked: int, clock: FakeClock
) -> None:
    result = await services.preferences.set(
        GUILD, STUDENT, ["mei-2018", "arora-2019", "du-2019", "jacot-2018", "wei-ma-2019"]
    )
    assert result.updated_at == clock.now()
    assert await ranking_codes(services, STUDENT) == [
        "mei-2018",
        "arora-2019",
        "du-2019",
        "jacot-2018",
        "wei-ma-2019",
    ]
    assert (await services.preferences.show(GUILD, STUDENT)).updated_at == clock.now()


async def test_a_shorter_ranking_of_the_same_papers_leaves_nothing_of_the_longer_one(
    services: Services, ranked: int
) -> None:
    # Rows are replaced in place (same rank or same paper) and only ranks past the
    # new end are deleted: a reordering and a shortening must both come out whole.
    longer = ["mei-2018", "arora-2019", "du-2019", "jacot-2018", "wei-ma-2019"]
    await services.preferences.set(GUILD, STUDENT, longer)
    await services.preferences.set(GUILD, STUDENT, longer[:3])
    assert await ranking_codes(services, STUDENT) == longer[:3]
    await services.preferences.set(GUILD, STUDENT, longer)
    shuffled = ["wei-ma-2019", "mei-2018", "jacot-2018"]
    await services.preferences.set(GUILD, STUDENT, shuffled)
    assert await ranking_codes(services, STUDENT) == shuffled
    await services.preferences.set(GUILD, STUDENT, list(reversed(shuffled)))
    assert await ranking_codes(services, STUDENT) == list(reversed(shuffled))


async def test_codes_are_matched_regardless_of_case_and_spaces(
    services: Services, ranked: int
) -> None:
    await services.preferences.set(GUILD, 102, ["  WEI-MA-2019 ", "Du-2019", "mei-2018"])
    assert await ranking_codes(services, 102) == ["wei-ma-2019", "du-2019", "mei-2018"]


async def test_a_title_typed_by_hand_resolves(services: Services, ranked: int) -> None:
    await services.preferences.set(
        GUILD,
        102,
        [
            "neural tangent kernel: convergence and generalization in neural networks",
            "Gradient Descent Finds Global Minima of Deep Neural Networks",
            "mei-2018",
        ],
    )
    assert await ranking_codes(services, 102) == ["jacot-2018", "du-2019", "mei-2018"]


async def test_a_title_resolves_even_when_other_titles_contain_it(
    services: Services, seminar: Seminar
) -> None:
    await add_paper(services, "long-one", "Deep Learning Theory: a Survey")
    await add_paper(services, "long-two", "Lectures on Deep Learning Theory")
    await add_paper(services, "short", "Deep Learning Theory")
    await add_paper(services, "other", "Something else")
    await join_all(services, 101)
    await services.preferences.set(GUILD, 101, ["Deep Learning Theory", "long-one", "other"])
    assert await ranking_codes(services, 101) == ["short", "long-one", "other"]


async def test_the_empty_choices_in_between_are_skipped(services: Services, ranked: int) -> None:
    await services.preferences.set(GUILD, 102, ["du-2019", "", "  ", "mei-2018", "arora-2019"])
    assert await ranking_codes(services, 102) == ["du-2019", "mei-2018", "arora-2019"]


@pytest.mark.parametrize(
    ("user_id", "choices", "error", "reason"),
    [
        (STUDENT, ["wei-ma-2019", "nope-2020", "du-2019"], InvalidInput, "no paper `nope-2020`"),
        (STUDENT, ["wei-ma-2019", "du-2019", "WEI-MA-2019"], InvalidInput, "ranked twice"),
        (STUDENT, ["wei-ma-2019", "du-2019"], InvalidInput, "at least 3 papers"),
        (STUDENT, [], InvalidInput, "at least 3 papers"),
        (STUDENT, list(CODES), InvalidInput, "at most 5"),
        (STUDENT, ["wei-ma-2019", "Neural", "du-2019"], InvalidInput, "no paper `Neural`"),
        (STUDENT, ["wei-ma-2019", "%", "du-2019"], InvalidInput, "no paper `%`"),
        (104, FIRST_RANKING, NotAllowed, "waitlist"),
        (999, FIRST_RANKING, NotAllowed, "not registered"),
    ],
)
async def test_refused_rankings_change_nothing(
    services: Services,
    ranked: int,
    user_id: int,
    choices: list[str],
    error: type[DomainError],
    reason: str,
) -> None:
    with pytest.raises(error, match=reason):
        await services.preferences.set(GUILD, user_id, choices)
    assert await ranking_codes(services, STUDENT) == FIRST_RANKING
    assert (await services.preferences.show(GUILD, STUDENT)).updated_at == ranked


@pytest.mark.parametrize(("user_id", "reason"), [(104, "waitlist"), (999, "not registered")])
async def test_not_being_registered_is_said_before_what_is_wrong_with_the_ranking(
    services: Services, ranked: int, user_id: int, reason: str
) -> None:
    for choices in (["wei-ma-2019"], ["nope", "jacot-2018", "du-2019"], FIRST_RANKING * 2):
        with pytest.raises(NotAllowed, match=reason):
            await services.preferences.set(GUILD, user_id, choices)


async def test_duplicate_refusal_names_the_paper_and_both_places(
    services: Services, ranked: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await services.preferences.set(GUILD, STUDENT, ["du-2019", "mei-2018", "du-2019"])
    assert "`du-2019` is ranked twice (choice 1 and 3)" in caught.value.message


async def test_unknown_paper_text_is_echoed_safely(services: Services, ranked: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        await services.preferences.set(GUILD, STUDENT, ["`@everyone`" + "x" * 100, "a", "b"])
    message = caught.value.message
    assert message.count("`") == 4  # its own code span and the `/papers` one
    assert len(message) < 200


async def test_pref_count_is_a_seminar_setting(services: Services, ranked: int) -> None:
    await services.seminars.setup(GUILD, ORGANISER, pref_count=1)
    await services.preferences.set(GUILD, 102, ["mei-2018"])
    assert await ranking_codes(services, 102) == ["mei-2018"]
    await services.seminars.setup(GUILD, ORGANISER, pref_count=5)
    with pytest.raises(InvalidInput, match="at least 5 papers \\(you gave 3\\)"):
        await services.preferences.set(GUILD, 102, FIRST_RANKING)
    assert not (await services.preferences.show(GUILD, STUDENT)).complete


async def test_after_the_preferences_deadline_nothing_can_change(
    services: Services, ranked: int, clock: FakeClock
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    clock.set(change.deadline.due_at + 1)
    with pytest.raises(DeadlinePassed, match="preference deadline") as caught:
        await services.preferences.set(GUILD, STUDENT, ["mei-2018", "arora-2019", "du-2019"])
    assert caught.value.instants == {"due": change.deadline.due_at}
    with pytest.raises(DeadlinePassed):
        await services.preferences.clear(GUILD, STUDENT)
    with pytest.raises(DeadlinePassed):
        await services.preferences.set(GUILD, 102, FIRST_RANKING)
    assert await ranking_codes(services, STUDENT) == FIRST_RANKING
    assert await ranking_codes(services, 102) == []
    # Looking is always allowed.
    assert [p.code for p in (await services.preferences.show(GUILD, STUDENT)).papers] == (
        FIRST_RANKING
    )


async def test_at_the_deadline_itself_changes_are_still_accepted(
    services: Services, ranked: int, clock: FakeClock
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    clock.set(change.deadline.due_at)
    await services.preferences.set(GUILD, STUDENT, ["mei-2018", "arora-2019", "du-2019"])
    assert await ranking_codes(services, STUDENT) == ["mei-2018", "arora-2019", "du-2019"]


async def test_clear_removes_the_ranking(services: Services, ranked: int) -> None:
    cleared = await services.preferences.clear(GUILD, STUDENT)
    assert cleared.papers == [] and cleared.updated_at is None
    shown = await services.preferences.show(GUILD, STUDENT)
    assert shown.papers == [] and shown.updated_at is None and not shown.complete
    assert await ranking_codes(services, STUDENT) == []


async def test_show_and_clear_need_a_registration(services: Services, ranked: int) -> None:
    with pytest.raises(NotAllowed, match="/join"):
        await services.preferences.show(GUILD, 999)
    with pytest.raises(NotAllowed, match="/join"):
        await services.preferences.clear(GUILD, 999)


async def test_a_waitlisted_student_sees_an_empty_ranking(services: Services, ranked: int) -> None:
    shown = await services.preferences.show(GUILD, 104)
    assert shown.papers == []


async def test_removing_a_paper_shortens_rankings_keeping_the_order(
    services: Services, ranked: int
) -> None:
    removal = await services.papers.remove(GUILD, ORGANISER, "jacot-2018")
    assert removal.rankings_touched == 1
    assert await ranking_codes(services, STUDENT) == ["wei-ma-2019", "du-2019"]
    assert not (await services.preferences.show(GUILD, STUDENT)).complete


async def test_renaming_a_paper_keeps_it_in_rankings(services: Services, ranked: int) -> None:
    await services.papers.edit(GUILD, ORGANISER, "du-2019", {"code": "du-lee-2019"})
    assert await ranking_codes(services, STUDENT) == ["wei-ma-2019", "jacot-2018", "du-lee-2019"]


async def test_prefs_set_racing_paper_remove_and_leave_gives_a_clear_refusal(
    services: Services,
) -> None:
    """Validation runs inside the ranking's transaction: a paper removed or a
    registration ended while `/prefs set` is under way is a DomainError, never a
    foreign-key error (and the ranking never points at a removed paper)."""
    await make_seminar(services, capacity=100, pref_count=2)
    await add_paper(services, "keep-1")
    await add_paper(services, "keep-2")
    outcomes: Counter[str] = Counter()
    for round_ in range(20):
        code, student, leaver = f"gone-{round_}", 200 + round_, 300 + round_
        await add_paper(services, code)
        await join_all(services, student, leaver)
        results = [
            *await asyncio.gather(
                services.preferences.set(GUILD, student, [code, "keep-1"]),
                services.papers.remove(GUILD, ORGANISER, code),
                return_exceptions=True,
            ),
            *await asyncio.gather(
                services.preferences.set(GUILD, leaver, ["keep-1", "keep-2"]),
                services.registration.leave(GUILD, leaver),
                return_exceptions=True,
            ),
        ]
        for result in results:
            if isinstance(result, BaseException):
                assert isinstance(result, DomainError), repr(result)
                outcomes[type(result).__name__] += 1
            else:
                outcomes["ok"] += 1
        assert code not in await ranking_codes(services, student)
    assert outcomes["ok"] >= 40  # every remove and leave went through
