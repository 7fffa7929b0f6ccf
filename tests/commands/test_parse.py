"""The typed syntax: `name:value`, positional values, and errors that say what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.parse import UsageError, parse
from bot.commands.spec import COMMANDS, OptionType


def values(text: str) -> dict[str, object]:
    return dict(parse(text).values)


def error(text: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse(text)
    return str(caught.value)


@pytest.mark.parametrize("prefix", ["!", "/", ""])
def test_prefixes_are_optional_and_interchangeable(prefix: str) -> None:
    parsed = parse(f"{prefix}prefs set first:a second:b third:c")
    assert parsed.command.path == ("prefs", "set")
    assert parsed.values == {"first": "a", "second": "b", "third": "c"}


def test_a_value_runs_to_the_next_option_of_that_command() -> None:
    assert values(
        "!admin deadline set kind:report when:2027-01-15 23:59 note:PDF only: 8 pages max"
    ) == {"kind": "report", "when": "2027-01-15 23:59", "note": "PDF only: 8 pages max"}


def test_options_may_come_in_any_order() -> None:
    assert values("!prefs set third:c first:a second:b") == {
        "first": "a",
        "second": "b",
        "third": "c",
    }


def test_positional_values_fill_options_in_order() -> None:
    assert values("!prefs set a b c") == {"first": "a", "second": "b", "third": "c"}
    assert values("!paper wei-ma-2019") == {"paper": "wei-ma-2019"}
    assert values("!submit report") == {"kind": "report"}
    assert values("!reminders off") == {"dm": False}


def test_positional_time_takes_a_date_and_a_clock_time() -> None:
    assert values("!admin deadline set report 2027-01-15 23:59 7d,1d") == {
        "kind": "report",
        "when": "2027-01-15 23:59",
        "reminders": "7d,1d",
    }


def test_positional_free_text_takes_the_rest_of_the_line() -> None:
    assert values("!admin announce post Welcome, everyone: see you") == {
        "message": "Welcome, everyone: see you"
    }
    assert values("!admin paper add wei-ma-2019 Data-dependent sample complexity") == {
        "code": "wei-ma-2019",
        "title": "Data-dependent sample complexity",
    }
    assert values("!help admin paper add") == {"command": "admin paper add"}


def test_free_text_keeps_its_line_breaks() -> None:
    assert values("!admin announce post Dear all,\n\nno office hours today.") == {
        "message": "Dear all,\n\nno office hours today."
    }
    assert values("!admin announce post message:Two\nlines when:2026-11-02 09:00") == {
        "message": "Two\nlines",
        "when": "2026-11-02 09:00",
    }


def test_positional_then_named() -> None:
    assert values("!prefs set a b third:c") == {"first": "a", "second": "b", "third": "c"}


def test_values_are_converted_per_type() -> None:
    assert values("!admin setup capacity:25 pref_count:3 timezone:Europe/Lisbon") == {
        "capacity": 25,
        "pref_count": 3,
        "timezone": "Europe/Lisbon",
    }
    assert values("!admin assign run seed:42 mode:FAIR fill:yes") == {
        "seed": 42,
        "mode": "fair",
        "fill": True,
    }
    assert values("!admin announce cancel #12") == {"announcement": 12}
    assert (
        values(
            "!admin officehours set weekday:tue start:14:00 place:MI 02 first:2026-10-20 "
            "last:2027-02-09"
        )["weekday"]
        == "tuesday"
    )


def test_urls_in_values_are_not_options() -> None:
    assert values("!admin paper edit wei-ma-2019 url:https://example.org/a:b") == {
        "paper": "wei-ma-2019",
        "url": "https://example.org/a:b",
    }


def test_unknown_command_suggests_the_closest_names() -> None:
    message = error("!prefz set a b c")
    assert "There is no command `/prefz`" in message
    assert "`/prefs`" in message
    assert "`/help`" in message


def test_unknown_subcommand_lists_the_group() -> None:
    message = error("!prefs sett a")
    assert "`/prefs` has no subcommand `sett`" in message
    assert "Did you mean `/prefs set`?" in message
    assert "`/prefs show`" in message


def test_a_group_alone_asks_for_a_subcommand() -> None:
    message = error("!admin paper")
    assert "`/admin paper` needs a subcommand" in message
    assert "`/admin paper import`" in message


def test_an_unknown_option_is_named_with_the_right_form() -> None:
    message = error("!admin deadline set kind:report wehn:2027-01-15 23:59")
    assert "no option `wehn`" in message
    assert "Did you mean `when:`?" in message
    assert "Usage: `/admin deadline set kind:report when:2027-01-15 23:59" in message


def test_an_unknown_option_in_positional_text_is_refused() -> None:
    message = error("!reminders colour:red")
    assert "`/reminders` has no option `colour`" in message


def test_a_missing_required_option_is_named() -> None:
    message = error("!admin deadline set kind:report")
    assert "`/admin deadline set` needs `when`" in message
    assert "Usage:" in message


def test_bad_values_say_what_is_expected() -> None:
    assert "`capacity` must be a whole number from 1 to 1000; you typed `lots`" in error(
        "!admin setup capacity:lots"
    )
    assert "from 1 to 1000; you typed `0`" in error("!admin setup capacity:0")
    assert "`dm` must be `true` or `false`" in error("!reminders dm:maybe")
    assert "`kind` must be one of `report`, `slides`; you typed `essay`" in error(
        "!submit kind:essay"
    )
    assert "`first` must be a date such as `2026-10-20`" in error(
        "!admin officehours set tuesday 14:00 place:x first:20.10.2026 last:2027-02-09"
    )
    assert "24-hour time" in error(
        "!admin officehours set tuesday 2pm place:x first:2026-10-20 last:2027-02-09"
    )
    assert "not a known timezone" in error("!admin setup timezone:Mars/Olympus")
    assert "not a reminder offset" in error("!admin deadline set report 2027-01-15 reminders:7w")
    assert "not a grade on the scale" in error("!admin grade alice report:1.5")


def test_twice_and_empty_are_refused() -> None:
    assert "`first` is given twice" in error("!prefs set first:a first:b")
    assert "`first:` has no value" in error("!prefs set first: second:b")


def test_too_many_positional_values_are_refused() -> None:
    assert "could not tell which option `extra` is for" in error("!paper a extra")


def test_nothing_typed() -> None:
    assert "Type a command" in error("!")


# -- properties ---------------------------------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=12)


@given(st.lists(_word, min_size=1, max_size=5))
def test_named_paper_codes_round_trip(codes: list[str]) -> None:
    names = ("first", "second", "third", "fourth", "fifth")
    text = "!prefs set " + " ".join(f"{n}:{c}" for n, c in zip(names, codes, strict=False))
    assert values(text) == dict(zip(names, codes, strict=False))


@given(st.lists(_word, min_size=1, max_size=5))
def test_positional_paper_codes_round_trip(codes: list[str]) -> None:
    names = ("first", "second", "third", "fourth", "fifth")
    assert values("!prefs set " + " ".join(codes)) == dict(zip(names, codes, strict=False))


@given(st.text(max_size=80))
def test_parse_either_succeeds_or_raises_a_usage_error(text: str) -> None:
    try:
        parse(text)
    except UsageError as problem:
        assert str(problem)


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60
    ).filter(lambda s: s.strip() and ":" not in s and s == s.strip())
)
def test_a_message_is_kept_as_typed(message: str) -> None:
    assert values(f"!admin announce post message:{message}")["message"] == message.strip()
    assert values(f"!admin announce post {message}")["message"] == message.strip()


def test_every_option_has_an_example_that_parses() -> None:
    """The usage lines shown in errors are themselves valid input."""
    for command in COMMANDS:
        for option in command.options:
            if option.type in (OptionType.FILE, OptionType.CHANNEL, OptionType.ROLE):
                continue
            form = option.form()
            parsed = parse(
                f"/{command.name} "
                + " ".join(
                    o.form()
                    for o in command.options
                    if o.required and o.name != option.name and o.type is not OptionType.FILE
                )
                + f" {form}"
            )
            assert option.name in parsed.values, (command.name, form)


def test_matrix_user_ids_are_values_not_options() -> None:
    assert values("!admin grade @alice:uni.example 1.3 1.7") == {
        "member": "@alice:uni.example",
        "report": "1.3",
        "presentation": "1.7",
    }
    assert values("!admin assign set member:@bob:uni.example paper:wei-ma-2019") == {
        "member": "@bob:uni.example",
        "paper": "wei-ma-2019",
    }
