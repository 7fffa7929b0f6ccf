"""Refusals that repeat user text never repeat control characters or bidi overrides
(issue 11, item 9): one helper, `bot.core.text.printable`, behind every echo."""

from __future__ import annotations

import pytest

from bot.core.errors import DomainError
from bot.core.models import Seminar
from bot.core.services import Services
from bot.core.text import echo, printable
from bot.core.timeutil import parse_date, parse_local_time, parse_offsets, zone
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
C0 = "".join(chr(c) for c in range(0x20))
C1 = "".join(chr(c) for c in range(0x7F, 0xA0))
HOSTILE = f"ab\u202ecd{C0}ef{C1}gh\u2067ij{BIDI}kl"
UNWANTED = set(BIDI + C0 + C1)


def clean(text: str) -> bool:
    return not UNWANTED & set(text.replace("\n", ""))


def test_printable_drops_controls_and_bidi_overrides() -> None:
    assert printable("pay\u202egnp.exe") == "paygnp.exe"
    assert printable(HOSTILE).startswith("abcd")
    assert clean(printable(HOSTILE))
    # Line breaks and tabs read as spaces on one line, or stay where they belong.
    assert printable("a\r\nb\tc\u2028d") == "a b c d"
    assert printable("a\r\nb\u2029c\x00", multiline=True) == "a\nb\nc"
    # Letters of right-to-left scripts themselves are text, not controls.
    assert printable("שלום سلام") == "שלום سلام"


def test_echo_is_one_clean_line_without_backticks() -> None:
    shown = echo(f"x`y\n{HOSTILE}", 200)
    assert "\n" not in shown and "`" not in shown and clean(shown)


@pytest.mark.parametrize(
    "refuse",
    [
        lambda: parse_local_time(HOSTILE, zone("Europe/Berlin")),
        lambda: parse_date(HOSTILE, "first"),
        lambda: parse_offsets(f"7d,{HOSTILE}"),
        lambda: zone(HOSTILE),
    ],
)
def test_time_refusals_echo_clean_text(refuse: object) -> None:
    with pytest.raises(DomainError) as refused:
        refuse()  # type: ignore[operator]
    assert clean(refused.value.message)


async def test_service_refusals_echo_clean_text(services: Services, seminar: Seminar) -> None:
    await join_all(services, 101)
    refusals = []
    for attempt in (
        services.preferences.set(GUILD, 101, [HOSTILE, "x", "y"]),
        services.papers.remove(GUILD, ORGANISER, HOSTILE),
        services.deadlines.set(GUILD, ORGANISER, "report", f"2027-01-15 {HOSTILE}"),
    ):
        with pytest.raises(DomainError) as refused:
            await attempt
        refusals.append(refused.value.message)
    for message in refusals:
        assert clean(message), repr(message)


async def test_catalogue_refusals_echo_clean_text(services: Services, seminar: Seminar) -> None:
    with pytest.raises(DomainError) as refused:
        await add_paper(services, f"wei\u202e{HOSTILE}")
    assert clean(refused.value.message), repr(refused.value.message)
