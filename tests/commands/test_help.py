"""`help`, the layer's error path and how commands are spelled per platform."""

from __future__ import annotations

import logging

import pytest

from bot.commands.context import Actor, Answer, Call, Confirmation, Limits
from bot.commands.layer import CommandLayer
from bot.commands.options import Command
from bot.commands.spelling import respell
from bot.core.errors import InvalidInput
from bot.core.models import Platform
from bot.core.services import Services
from tests.commands.helpers import Session

STUDENT = Actor(-501, "alice", is_organiser=False)  # refusals and help touch no data


async def test_help_lists_student_commands_and_points_organisers_on(session: Session) -> None:
    answer = await session.run("/help", STUDENT)
    assert "`/prefs set` — Replace your ranking" in answer.text
    assert "`/admin setup`" not in answer.text
    assert "`/help admin`" in answer.text
    assert not answer.refused


async def test_help_for_organisers_lists_admin_commands(session: Session) -> None:
    answer = await session.run("/help")
    assert "`/admin deadline set` — Create or move a deadline" in answer.text


async def test_help_explains_one_command_with_its_options(session: Session) -> None:
    answer = await session.run("/help prefs set", STUDENT)
    assert "`/prefs set first:<first paper code> [second:<second paper code>]" in answer.text
    assert "`first` — Your favourite paper (required)" in answer.text
    answer = await session.run("/help admin assign run")
    assert "`mode` — linear: fewest total rank" in answer.text
    assert "one of `linear`, `fair`; default `linear`" in answer.text
    assert "Organisers only." in answer.text


async def test_help_for_a_group_lists_its_subcommands(session: Session) -> None:
    answer = await session.run("!help admin paper", STUDENT)
    assert "`/admin paper add`" in answer.text
    assert "`/admin paper import`" in answer.text


async def test_help_on_matrix_spells_commands_with_a_bang(session: Session) -> None:
    await session.begin(Platform.MATRIX)
    answer = await session.run("!help", STUDENT)
    assert "`!prefs set` — Replace your ranking" in answer.text
    assert "`/prefs" not in answer.text


async def test_help_for_an_unknown_command_suggests(session: Session) -> None:
    answer = await session.run("/help prefz", STUDENT)
    assert answer.refused
    assert "Did you mean `/prefs`?" in answer.text


async def test_a_usage_error_on_matrix_is_respelled(session: Session) -> None:
    await session.begin(Platform.MATRIX)
    answer = await session.run("!prefs sett", STUDENT)
    assert answer.refused
    assert "`!prefs` has no subcommand `sett`" in answer.text
    assert "`!prefs set`" in answer.text


async def test_organiser_commands_are_refused_to_students(session: Session) -> None:
    answer = await session.run("/admin setup title:Mine", STUDENT)
    assert answer.refused
    assert answer.text == "Only the seminar's organisers can use `/admin` commands."


async def test_help_and_timezone_are_not_discord_commands(session: Session) -> None:
    await session.begin(Platform.DISCORD)
    answer = await session.run("/help", STUDENT)
    assert answer.refused
    assert "There is no command `/help`" in answer.text


def _command(handler: object) -> Command:
    return Command(("boom",), "Explodes", (), handler)  # type: ignore[arg-type]


async def test_an_unexpected_failure_is_an_apology_with_an_error_id(
    services: Services, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(call: Call) -> Answer:
        raise RuntimeError("disk on fire")

    session.layer = CommandLayer(services, Limits(1, 1), [_command(explode)])
    with caplog.at_level(logging.ERROR):
        answer = await session.run("/boom", STUDENT)
    assert answer.refused and answer.error_id
    assert f"error id `{answer.error_id}`" in answer.text
    assert "disk on fire" not in answer.text
    assert answer.error_id in caplog.text
    assert "disk on fire" in caplog.text


async def test_a_domain_error_is_rendered_with_the_readers_times(
    services: Services, session: Session
) -> None:
    async def refuse(call: Call) -> Answer:
        raise InvalidInput("Too late since {due}; see `/deadlines`.", due=1_790_848_800)

    await session.begin(Platform.MATRIX)
    session.layer = CommandLayer(services, Limits(1, 1), [_command(refuse)])
    answer = await session.run("!boom", STUDENT)
    assert (
        answer.text
        == "Too late since Thu 2026-10-01 12:00 CEST (Europe/Berlin, now); see `!deadlines`."
    )


async def test_only_the_asker_can_confirm_and_organisers_are_checked_again(
    services: Services, session: Session
) -> None:
    done: list[int] = []

    async def ask(call: Call) -> Answer:
        async def act() -> Answer:
            done.append(call.account_id)
            return Answer("Done.")

        return Answer("Sure?", confirm=Confirmation("Sure?", "Yes", act))

    admin = Command(("admin", "boom"), "Explodes", (), ask, organiser=True)
    session.layer = CommandLayer(services, Limits(1, 1), [admin])
    organiser = session.organiser
    question = await session.run("/admin boom", organiser)
    assert question.confirm is not None
    assert question.confirm.asker_id == organiser.account_id
    assert (await session.confirm(question, STUDENT)).refused
    demoted = Actor(organiser.account_id, "Prof", is_organiser=False)
    assert (await session.confirm(question, demoted)).refused
    assert done == []
    assert (await session.confirm(question, organiser)).text == "Done."
    assert done == [organiser.account_id]


def test_respell_touches_only_command_names() -> None:
    text = "Use `/prefs set` or /join; see https://x.org/papers and 40/60, not /etc."
    assert respell(text, Platform.MATRIX) == (
        "Use `!prefs set` or !join; see https://x.org/papers and 40/60, not /etc."
    )
    assert respell(text, Platform.CONSOLE) == text


async def test_matrix_help_and_usage_leave_out_discord_only_options(session: Session) -> None:
    await session.begin(Platform.MATRIX)
    explained = await session.run("!help admin setup")
    assert "`title`" in explained.text
    assert "channel" not in explained.text and "organiser_role" not in explained.text
    refused = await session.run("!admin setup capacity:many")
    assert refused.refused
    assert (
        "Usage: `!admin setup [title:Deep Learning Theory] [term:Winter 2026/27] [timezone:"
        in refused.text
    )
    assert "channel" not in refused.text


async def test_a_missing_file_says_how_to_attach_it_on_each_platform(session: Session) -> None:
    await session.begin(Platform.MATRIX)
    answer = await session.run("!submit kind:report", STUDENT)
    assert "send the command as a reply to the file" in answer.text
    await session.begin(Platform.CONSOLE)
    answer = await session.run("/submit kind:report", STUDENT)
    assert "give its path as `file:./file.pdf`" in answer.text
