"""Catalogue import from CSV (as Excel, LibreOffice and Google Sheets write it)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

from bot.core.catalogue.paper import capacity_from_text, validate_paper
from bot.core.catalogue.reading import MAX_ROWS, Registry, decode_utf8, too_many_rows
from bot.core.catalogue.results import ParsedCatalogue
from bot.core.catalogue.text import echo
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields

COLUMNS = ("code", "title", "authors", "venue", "url", "arxiv", "topic", "capacity")
REQUIRED_COLUMNS = ("code", "title")
_SEP_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def parse_csv(data: bytes) -> ParsedCatalogue:
    text = decode_utf8(data)
    lines = list(io.StringIO(text, newline=""))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InvalidInput(
            "The CSV file is empty. It needs a header row such as "
            "`code,title,authors,venue,url,arxiv,topic,capacity`."
        )
    sep_line = _SEP_LINE.fullmatch(lines[first])
    if sep_line:  # Excel writes `sep=;` above the header
        delimiter = sep_line.group(1)
        if delimiter not in _DELIMITERS:
            raise InvalidInput(
                f"The CSV file asks for the delimiter `{echo(delimiter)}`; "
                "use a comma or a semicolon."
            )
        start = first + 1
    else:
        header_line = lines[first]
        delimiter = max(_DELIMITERS, key=header_line.count)  # ties: the comma
        start = first
    registry = Registry()
    reader = csv.reader(lines[start:], delimiter=delimiter, strict=True)
    columns: list[str] | None = None
    ignored: list[str] = []
    rows = 0
    while True:
        line = start + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(exc, line) from None
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns, ignored = _csv_columns(row)
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise too_many_rows("rows")
        _csv_row(registry, line, columns, row, delimiter)
    if columns is None:
        raise InvalidInput(
            "The CSV file has no header row. Its first row must name the columns, "
            "e.g. `code,title,authors`."
        )
    return dataclasses.replace(registry.result(), ignored_columns=ignored)


def _csv_error(exc: csv.Error, line: int) -> InvalidInput:
    if "unexpected end of data" in str(exc):
        return InvalidInput(
            f"The CSV file is malformed: a quoted cell in the row starting on line {line} "
            'is never closed (a `"` is missing).'
        )
    return InvalidInput(f"The CSV file is malformed in the row starting on line {line}: {exc}.")


def _csv_columns(header: list[str]) -> tuple[list[str], list[str]]:
    """The header's column names ("" for a column to skip) and the skipped ones' names."""
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:  # trailing empty cells, as spreadsheets write them
        names.pop()
    ignored: list[str] = []
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            shown = echo(header[position - 1]) or f"column {position} (no name)"
            if shown not in ignored:
                ignored.append(shown)
            names[position - 1] = ""
        elif names.index(name) != position - 1:
            raise InvalidInput(f"The CSV header names the column `{name}` twice.")
    for required in REQUIRED_COLUMNS:
        if required not in names:
            raise InvalidInput(
                f"The CSV header has no `{required}` column; `code` and `title` are required "
                f"(the columns I know are {', '.join(COLUMNS)})."
            )
    return names, ignored


def _csv_row(
    registry: Registry, line: int, columns: list[str], row: list[str], delimiter: str
) -> None:
    values = dict.fromkeys(COLUMNS, "")
    values.update((name, cell) for name, cell in zip(columns, row, strict=False) if name)
    extra = row[len(columns) :]
    if any(cell.strip() for cell in extra):
        registry.refuse(
            line,
            values["code"],
            f"the row has {len(columns) + len(extra)} cells but the header has "
            f"{len(columns)} columns (is there an unquoted {_DELIMITER_NAMES[delimiter]} "
            "in a cell? Put such cells in double quotes)",
        )
        return
    if registry.duplicate(line, values["code"]):
        return
    try:
        paper = validate_paper(
            PaperFields(
                code=values["code"],
                title=values["title"],
                authors=values["authors"],
                venue=values["venue"],
                url=values["url"],
                arxiv=values["arxiv"],
                topic=values["topic"],
                capacity=capacity_from_text(values["capacity"]),
            )
        )
    except InvalidInput as exc:
        registry.refuse(line, values["code"], str(exc))
        return
    registry.papers.append(paper)


def looks_like_csv_header(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    if _SEP_LINE.fullmatch(first):
        return True
    delimiter = max(_DELIMITERS, key=first.count)
    cells = {cell.strip().strip('"').strip().lower() for cell in first.split(delimiter)}
    return "code" in cells or "title" in cells
