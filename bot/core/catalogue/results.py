"""What reading a catalogue file gives: the papers, the refused rows, the derived codes."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import PaperFields


@dataclass(frozen=True)
class RefusedRow:
    line: int  # 1-based line of the file where the row or entry starts
    code: str  # as given, lowercased and clipped for display ("" if none)
    reason: str


@dataclass(frozen=True)
class DerivedCode:
    """A BibTeX entry key that is not a valid code, and the code made from it."""

    line: int  # 1-based line where the entry starts
    key: str  # the key as written, clipped for display
    stem: str  # the code before de-duplication (`weim19` for `weim19-2`)
    code: str


@dataclass(frozen=True)
class ParsedCatalogue:
    papers: list[PaperFields]
    refused: list[RefusedRow]
    derived: list[DerivedCode] = field(default_factory=list)
    # CSV columns that are not catalogue fields, skipped (header names as written).
    ignored_columns: list[str] = field(default_factory=list)
