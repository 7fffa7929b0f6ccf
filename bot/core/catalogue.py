"""The paper catalogue's input rules: one paper's fields, and CSV / BibTeX imports.

Pure functions, no I/O and no Discord. Text is stored as typed, apart from
removing control characters and collapsing runs of whitespace: mentions,
Markdown and SQL metacharacters are left alone, because escaping is the
renderer's job (and the store only uses placeholders).

Every refusal is an `InvalidInput` whose message can be shown to the user as
is; it echoes at most `ECHO_MAX` characters of what they typed, with backticks
replaced so the echo cannot break out of inline code.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bibtexparser import model as bib_model
from bibtexparser.entrypoint import parse_string as parse_bibtex_blocks
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from bot.core.errors import InvalidInput
from bot.core.latextext import latex_to_text
from bot.core.models import PaperFields
from bot.core.text import printable

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "DerivedCode",
    "PaperFields",
    "ParsedCatalogue",
    "RefusedRow",
    "derive_code",
    "normalise_arxiv",
    "parse_bibtex",
    "parse_catalogue",
    "parse_csv",
    "settle_codes",
    "validate_paper",
]

CODE_MIN, CODE_MAX = 2, 40
TITLE_MAX = 256
AUTHORS_MAX = 1024
VENUE_MAX = 256
TOPIC_MAX = 100
URL_MAX = 512
CAPACITY_MIN, CAPACITY_MAX = 1, 10
MAX_ROWS = 2000
MAX_FILE_BYTES = 8 * 1024 * 1024
ECHO_MAX = 60

COLUMNS = ("code", "title", "authors", "venue", "url", "arxiv", "topic", "capacity")
REQUIRED_COLUMNS = ("code", "title")

_CODE_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_CODE_RULE = (
    f"A code is {CODE_MIN}–{CODE_MAX} characters: lowercase letters a–z, digits, `.`, `_` "
    "or `-`, starting with a letter or digit (for example `wei-ma-2019`)."
)
# C0 and C1 controls (tab and newline included: prose turns them into spaces
# first) and lone surrogates, which SQLite cannot store.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_CAPACITY_TEXT = re.compile(r"[0-9]{1,9}")


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


# --------------------------------------------------------------------------- one paper


def validate_paper(fields: PaperFields) -> PaperFields:
    """A normalised copy of `fields`, or `InvalidInput` naming the first problem."""
    return PaperFields(
        code=_code(fields.code),
        title=_prose(fields.title, "title", TITLE_MAX, required=True),
        authors=_prose(fields.authors, "author list", AUTHORS_MAX),
        venue=_prose(fields.venue, "venue", VENUE_MAX),
        url=_url(fields.url),
        arxiv=normalise_arxiv(_text(fields.arxiv, "arXiv reference")),
        topic=_prose(fields.topic, "topic", TOPIC_MAX),
        capacity=_capacity(fields.capacity),
    )


def _text(value: object, label: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The {label} must be text.")
    return value


def _token(value: str) -> str:
    """A single-word value (code, link): control characters gone, ends trimmed."""
    return _CONTROL.sub("", value).strip()


def _collapse(value: str) -> str:
    # Whitespace first, so a newline becomes a space rather than vanishing.
    return _SPACE.sub(" ", _CONTROL.sub("", _SPACE.sub(" ", value))).strip()


def _echo(value: str) -> str:
    """User input made safe to quote inside inline code in a message."""
    text = printable(_collapse(value)).replace("`", "'")  # bidi overrides too
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"


def _code(value: object) -> str:
    code = _token(_text(value, "code"))
    if not code.isascii():  # before lower(): the Kelvin sign would become a plain `k`
        raise InvalidInput(f"The code `{_echo(code)}` is not valid. {_CODE_RULE}")
    code = code.lower()
    if not code:
        raise InvalidInput(f"The paper code is missing. {_CODE_RULE}")
    if len(code) < CODE_MIN:
        raise InvalidInput(f"The code `{_echo(code)}` is too short. {_CODE_RULE}")
    if len(code) > CODE_MAX:
        raise InvalidInput(
            f"The code `{_echo(code)}` is too long ({len(code)} characters). {_CODE_RULE}"
        )
    if not _CODE_RE.fullmatch(code):
        raise InvalidInput(f"The code `{_echo(code)}` is not valid. {_CODE_RULE}")
    return code


def _prose(value: object, label: str, limit: int, *, required: bool = False) -> str:
    text = _collapse(_text(value, label))
    if required and not text:
        raise InvalidInput(f"The {label} is missing.")
    if len(text) > limit:
        raise InvalidInput(f"The {label} is {len(text)} characters long; the limit is {limit}.")
    return text


def _url(value: object) -> str:
    url = _token(_text(value, "URL"))
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise InvalidInput(f"The URL is {len(url)} characters long; the limit is {URL_MAX}.")
    refusal = InvalidInput(
        f"The URL `{_echo(url)}` is not a web link. Give a full address starting with "
        "`https://` or `http://`, for example `https://arxiv.org/abs/1905.03684`."
    )
    if any(ch.isspace() for ch in url):
        raise refusal
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise refusal from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise refusal
    return url


def _capacity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"The capacity must be a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}."
        )
    if not CAPACITY_MIN <= value <= CAPACITY_MAX:
        shown = str(value) if abs(value) < 10**9 else "that"
        raise InvalidInput(
            f"The capacity must be from {CAPACITY_MIN} to {CAPACITY_MAX} "
            f"(how many people may present the paper); {shown} is out of range."
        )
    return value


def _capacity_text(value: str) -> int:
    """Capacity as written in a file: empty means 1."""
    text = _token(value)
    if not text:
        return 1
    if not _CAPACITY_TEXT.fullmatch(text):
        raise InvalidInput(
            f"The capacity must be a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}, "
            f"not `{_echo(text)}`."
        )
    return int(text)


# --------------------------------------------------------------------------- arXiv

_ARXIV_ID = r"""
    (?:
        (?P<new>(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})\.(?P<num>[0-9]{4,5}))
      | (?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z-]+)?/
        (?P<old>(?P<oyy>[0-9]{2})(?P<omm>[0-9]{2})[0-9]{3})
    )
    (?P<version>v[1-9][0-9]{0,3})?
"""
_ARXIV_ID_RE = re.compile(_ARXIV_ID, re.IGNORECASE | re.VERBOSE)
_ARXIV_PREFIX = re.compile(
    r"""
    (?P<label>arxiv:\s*)
  | (?P<link>https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)
  | (?P<doi>(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_LINK_TAIL = re.compile(r"(?:\.pdf)?/?(?:[?#]\S*)?$", re.IGNORECASE)


def normalise_arxiv(value: str) -> str:
    """`https://arxiv.org/abs/<id>` for an arXiv ID, link or DOI; "" for an empty value."""
    text = _token(_text(value, "arXiv reference"))
    if not text:
        return ""
    prefix = _ARXIV_PREFIX.match(text)
    rest = text[prefix.end() :] if prefix else text
    if prefix and prefix.group("link"):
        rest = _LINK_TAIL.sub("", rest, count=1)
    match = _ARXIV_ID_RE.fullmatch(rest)
    if match is None or not _plausible_arxiv(match):
        raise InvalidInput(
            f"`{_echo(text)}` is not an arXiv reference. Give an ID such as `1905.03684` "
            "(or `math/0601001` for old papers) or a link such as "
            "`https://arxiv.org/abs/1905.03684`."
        )
    version = (match.group("version") or "").lower()
    if match.group("new"):
        return f"https://arxiv.org/abs/{match.group('new')}{version}"
    return f"https://arxiv.org/abs/{match.group('archive').lower()}/{match.group('old')}{version}"


def _plausible_arxiv(match: re.Match[str]) -> bool:
    if match.group("new"):
        yymm = int(match.group("yy")) * 100 + int(match.group("mm"))
        # New-style IDs began in April 2007; five-digit numbers in January 2015.
        digits = 4 if yymm < 1501 else 5
        return (
            1 <= int(match.group("mm")) <= 12 and yymm >= 704 and len(match.group("num")) == digits
        )
    return 1 <= int(match.group("omm")) <= 12


def _maybe_arxiv(value: str) -> str:
    try:
        return normalise_arxiv(value)
    except InvalidInput:
        return ""


# --------------------------------------------------------------------------- files


def parse_catalogue(filename: str, data: bytes) -> ParsedCatalogue:
    """Parse by extension (.csv, .bib, .bibtex), else by looking at the content."""
    name = _echo(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "the file"
    extension = filename.rsplit(".", 1)[-1].strip().lower() if "." in filename else ""
    if extension == "csv":
        return parse_csv(data)
    if extension in ("bib", "bibtex"):
        return parse_bibtex(data)
    if extension in ("xlsx", "xls", "xlsm", "ods", "numbers"):
        raise InvalidInput(
            f"`{name}` is a spreadsheet, which I cannot read directly. Export it as "
            "CSV (UTF-8) and upload the .csv file."
        )
    _check_size(data)
    try:
        text = _decode(data)
    except InvalidInput:
        raise InvalidInput(
            f"I cannot read `{name}`: it is not a UTF-8 text file. Upload the catalogue "
            "as a CSV (.csv, UTF-8) or BibTeX (.bib) file."
        ) from None
    if _BIB_SNIFF.search(text):
        return parse_bibtex(data)
    if _looks_like_csv_header(text):
        return parse_csv(data)
    raise InvalidInput(
        f"I cannot tell what kind of file `{name}` is. Upload a CSV file (.csv) whose "
        "first row is a header such as `code,title,authors`, or a BibTeX file (.bib)."
    )


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1_048_576} MB. Split it into smaller files."
        )


def _decode(data: bytes) -> str:
    _check_size(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(
            "The file is UTF-16, not UTF-8. Save it again as UTF-8 "
            "(in Excel: “CSV UTF-8 (comma delimited)”)."
        )
    try:
        return data.decode("utf-8-sig")  # drops a leading byte-order mark
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it "
            "again as UTF-8 (in Excel: “CSV UTF-8 (comma delimited)”) and upload it again."
        ) from None


def _too_many_rows(kind: str) -> InvalidInput:
    return InvalidInput(f"The file has more than {MAX_ROWS} {kind}; split it into smaller files.")


class _Registry:
    """Collects papers and refusals, refusing a code seen earlier in the file."""

    def __init__(self) -> None:
        self.papers: list[PaperFields] = []
        self.refused: list[RefusedRow] = []
        self._first_line: dict[str, int] = {}

    def refuse(self, line: int, code: str, reason: str) -> None:
        self.refused.append(RefusedRow(line, _echo(code.strip().lower()), reason))

    def duplicate(self, line: int, raw_code: str) -> bool:
        """Refuse the row if its (valid) code was already used; else remember it."""
        try:
            code = _code(raw_code)
        except InvalidInput:
            return False  # validation will refuse it with the precise reason
        first = self._first_line.setdefault(code, line)
        if first != line:
            self.refuse(line, code, f"duplicate code in file, first on line {first}")
            return True
        return False

    def result(self) -> ParsedCatalogue:
        return ParsedCatalogue(self.papers, self.refused)


# --------------------------------------------------------------------------- CSV

_SEP_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def parse_csv(data: bytes) -> ParsedCatalogue:
    text = _decode(data)
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
                f"The CSV file asks for the delimiter `{_echo(delimiter)}`; "
                "use a comma or a semicolon."
            )
        start = first + 1
    else:
        header_line = lines[first]
        delimiter = max(_DELIMITERS, key=header_line.count)  # ties: the comma
        start = first
    registry = _Registry()
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
            raise _too_many_rows("rows")
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
            shown = _echo(header[position - 1]) or f"column {position} (no name)"
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
    registry: _Registry, line: int, columns: list[str], row: list[str], delimiter: str
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
                capacity=_capacity_text(values["capacity"]),
            )
        )
    except InvalidInput as exc:
        registry.refuse(line, values["code"], str(exc))
        return
    registry.papers.append(paper)


def _looks_like_csv_header(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    if _SEP_LINE.fullmatch(first):
        return True
    delimiter = max(_DELIMITERS, key=first.count)
    cells = {cell.strip().strip('"').strip().lower() for cell in first.split(delimiter)}
    return "code" in cells or "title" in cells


# --------------------------------------------------------------------------- BibTeX

_BIB_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
# A line whose first character is `%` is commented out (biber and every editor agree;
# BibTeX itself would still read an entry there, which nobody means).
_BIB_COMMENTED = re.compile(r"^[ \t]*%[^\n]*", re.MULTILINE)
_BIB_STRAY_AT = re.compile(r"^[ \t]*@", re.MULTILINE)
_BIB_FAILED_KEY = re.compile(r"@[ \t\n]*[A-Za-z]+[ \t\n]*[{(][ \t\n]*([^\s,{}()=\"#%]+)[ \t\n]*,")
_BIB_NOT_PAPER = re.compile(r"@[ \t\n]*(?:comment|preamble|string)[ \t\n]*[{(]", re.IGNORECASE)
_BIB_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:+-]*")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {month.lower(): month for month in _MONTH_NAMES}
_NOT_PAPERS = ("comment", "preamble", "string")
_BIB_USED = (
    "title", "author", "booktitle", "journal", "journaltitle", "eventtitle", "year", "date",
    "url", "doi", "eprint", "archiveprefix", "eprinttype", "volume", "note", "howpublished",
    "keywords", "topic", "capacity", "crossref",
)  # fmt: skip
_BIB_FIELD_MAX = 16_384  # far above every limit; spares converting megabytes of junk


@dataclass(frozen=True)
class _Entry:
    line: int
    key: str
    kind: str
    fields: dict[str, str]  # lower-cased names, values with @string macros resolved


def parse_bibtex(data: bytes) -> ParsedCatalogue:
    """Entries by bibtexparser v2; each becomes a paper or a refusal with its line."""
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    text = _BIB_COMMENTED.sub("", text)  # keeps every line, so line numbers stay right
    entries, refused = _bib_entries(text)
    registry = _Registry()
    registry.refused.extend(refused)
    targets = {
        entry.fields["crossref"].strip().casefold()
        for entry in entries
        if entry.fields.get("crossref", "").strip()
    }
    by_key = {entry.key.casefold(): entry for entry in entries}
    pending: list[tuple[int, PaperFields, DerivedCode | None]] = []
    first_line: dict[str, int] = {}
    for entry in entries:
        folded = entry.key.casefold()
        if entry.kind in ("proceedings", "book", "collection") and folded in targets:
            continue  # the volume a paper's `crossref` points to, not a paper
        if not entry.key.strip():
            registry.refuse(
                entry.line,
                "",
                "the entry has no key; it must start like `@article{wei-ma-2019,` "
                "(the key becomes the paper code)",
            )
            continue
        seen = first_line.setdefault(_key_identity(entry.key), entry.line)
        if seen != entry.line:
            registry.refuse(entry.line, entry.key, f"duplicate code in file, first on line {seen}")
            continue
        parent = by_key.get(entry.fields.get("crossref", "").strip().casefold())
        try:
            paper, derived = _bib_paper(entry, parent)
        except InvalidInput as exc:
            registry.refuse(entry.line, entry.key, str(exc))
            continue
        pending.append((entry.line, paper, derived))
    papers, derived_codes = _allocate(pending, {})
    registry.papers.extend(papers)
    registry.refused.sort(key=lambda row: row.line)
    return ParsedCatalogue(registry.papers, registry.refused, derived_codes)


def _bib_entries(text: str) -> tuple[list[_Entry], list[RefusedRow]]:
    library = parse_bibtex_blocks(text, parse_stack=[])
    if len(library.blocks) > 3 * MAX_ROWS:
        raise InvalidInput(
            f"The file has more than {MAX_ROWS} entries or @string, @comment and @preamble "
            "blocks; split it into smaller files."
        )
    macros = dict(_MONTHS)
    entries: list[_Entry] = []
    refused: list[RefusedRow] = []
    newlines = [match.start() for match in re.finditer("\n", text)]
    counted = 0
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bib_model.String):
            macros[block.key.strip().lower()] = _bib_value(str(block.value), macros)
            continue
        if isinstance(block, bib_model.ImplicitComment):
            for stray in _BIB_STRAY_AT.finditer(block.comment):
                counted += 1
                refused.append(
                    RefusedRow(
                        line + block.comment.count("\n", 0, stray.start()),
                        "",
                        "this `@` does not start a valid entry; entries look like "
                        "`@article{wei-ma-2019, title = {…}}`",
                    )
                )
            continue
        if isinstance(block, bib_model.DuplicateBlockKeyBlock | bib_model.DuplicateFieldKeyBlock):
            inner = block.ignore_error_block
            if isinstance(inner, bib_model.Entry):
                block = inner  # our own rules decide about repeated keys and fields
        if isinstance(block, bib_model.ParsingFailedBlock):
            if _BIB_NOT_PAPER.match((block.raw or "").lstrip()):
                continue  # a broken @comment, @string or @preamble holds no paper
            counted += 1
            refused.append(_failed(block, line, newlines))
        elif isinstance(block, bib_model.Entry):
            kind = block.entry_type.strip().lower()
            if kind in _NOT_PAPERS:
                continue
            counted += 1
            fields: dict[str, str] = {}
            for field in block.fields:
                name = field.key.strip().lower()
                if name not in fields:  # the first of a repeated field wins
                    fields[name] = _bib_value(str(field.value), macros)
            entries.append(_Entry(line, block.key.strip(), kind, fields))
        if counted > MAX_ROWS:
            raise _too_many_rows("entries")
    return entries, refused


def _failed(block: bib_model.ParsingFailedBlock, line: int, newlines: list[int]) -> RefusedRow:
    raw = block.raw or ""
    key_match = _BIB_FAILED_KEY.match(raw.lstrip())
    error = block.error
    reason = getattr(error, "abort_reason", "") or "it cannot be read"
    end = getattr(error, "end_index", None)
    where = ""
    if isinstance(end, int):
        stopped = bisect.bisect_left(newlines, end) + 1
        if stopped != line:
            where = f" (reading stopped on line {stopped})"
    text = _collapse(str(reason))
    if len(text) > 160:
        text = text[:159] + "…"
    return RefusedRow(
        line,
        _echo(key_match.group(1).lower()) if key_match else "",
        f"malformed entry{where}: {text.rstrip('.')}. Are its braces and quotes balanced?",
    )


def _bib_value(raw: str, macros: dict[str, str]) -> str:
    """A raw field value: `{…}`, `"…"`, numbers and @string names joined by `#`."""
    pieces: list[str] = []
    for piece in _split_top_level(raw, re.compile(r"#")):
        part = piece.strip()
        if len(part) >= 2 and (
            (part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')
        ):
            pieces.append(part[1:-1])
        elif _BIB_NAME.fullmatch(part):
            pieces.append(macros.get(part.lower(), part))
        else:
            pieces.append(part)
    return "".join(pieces)


def _key_identity(key: str) -> str:
    """Two keys that would give the same code as typed are the same entry."""
    return key.strip().casefold()


def _bib_paper(entry: _Entry, parent: _Entry | None) -> tuple[PaperFields, DerivedCode | None]:
    fields = dict(entry.fields)
    if parent is not None:  # BibTeX's crossref: missing fields come from the volume
        inherited = dict(parent.fields)
        if "title" in inherited and "booktitle" not in inherited:
            inherited["booktitle"] = inherited["title"]
        for name, value in inherited.items():
            if name not in ("title", "author", "crossref"):
                fields.setdefault(name, value)
    for name in _BIB_USED:
        if len(fields.get(name, "")) > _BIB_FIELD_MAX:
            raise InvalidInput(
                f"The field `{name}` is {len(fields[name])} characters long, far over the limit."
            )
    venue = ""
    for name in ("booktitle", "journal", "journaltitle", "eventtitle"):
        venue = _plain(fields.get(name, ""))
        if venue:
            break
    year = _bib_year(fields)
    if venue and year and not re.search(rf"(?<![0-9]){re.escape(year)}(?![0-9])", venue):
        venue = f"{venue} {year}"
    url = _verbatim(fields.get("url", ""))
    if not url:  # older styles: howpublished = {\url{https://…}}
        link = re.search(r"https?://[^\s{}]+", fields.get("howpublished", ""))
        url = _verbatim(link.group()) if link else ""
    doi = _verbatim(fields.get("doi", ""))
    doi_name = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    if not url and re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi_name):
        url = f"https://doi.org/{doi_name}"
    if "topic" in fields:
        topic = _plain(fields["topic"])
    else:
        topic = re.split(r"[,;]", _plain(fields.get("keywords", "")), maxsplit=1)[0]
    authors = _bib_authors(fields.get("author", ""))
    given = entry.key.strip()
    derived: DerivedCode | None = None
    try:
        code = _code(given)
    except InvalidInput:
        stem = derive_code(given, authors, year)
        code = stem
        derived = DerivedCode(entry.line, _echo(given), stem, stem)
    paper = validate_paper(
        PaperFields(
            code=code,
            title=_plain(fields.get("title", "")),
            authors=authors,
            venue=venue,
            url=url,
            arxiv=_bib_arxiv(fields, url, doi),
            topic=topic,
            capacity=_capacity_text(_verbatim(fields.get("capacity", ""))),
        )
    )
    return paper, derived


def _bib_year(fields: dict[str, str]) -> str:
    year = _collapse(_plain(fields.get("year", "")))
    if not year:  # BibLaTeX: date = {2019-08-06}
        found = re.match(r"\s*([0-9]{4})", fields.get("date", ""))
        year = found.group(1) if found else ""
    return year


def _plain(value: str) -> str:
    return _collapse(latex_to_text(value))


_CORR = re.compile(r"\s*(?:corr|arxiv|arxiv\.org|arxiv e-prints)\s*", re.IGNORECASE)


def _bib_arxiv(fields: dict[str, str], url: str, doi: str) -> str:
    eprint = _verbatim(fields.get("eprint", ""))
    prefix = _verbatim(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if eprint:
        if prefix == "arxiv":
            return normalise_arxiv(eprint)  # declared arXiv: a bad ID refuses the entry
        if not prefix and (found := _maybe_arxiv(eprint)):
            return found
    for candidate in (url, doi):
        if "arxiv" in candidate.lower() and (found := _maybe_arxiv(candidate)):
            return found
    journal = fields.get("journal", "") or fields.get("journaltitle", "")
    # DBLP: journal = {CoRR}, volume = {abs/1905.03684}; Semantic Scholar: {ArXiv}.
    volume = _verbatim(fields.get("volume", ""))
    if (
        _CORR.fullmatch(_plain(journal))
        and volume.lower().startswith("abs/")
        and (found := _maybe_arxiv(volume[4:]))
    ):
        return found
    # Google Scholar: journal = {arXiv preprint arXiv:1905.03684}; Zotero: note = {arXiv:…}.
    for text in (journal, fields.get("note", ""), fields.get("howpublished", "")):
        mention = re.search(r"arxiv:\s*([^\s{}]+)", text, re.IGNORECASE)
        if mention and (found := _maybe_arxiv(mention.group(1).strip(".,;"))):
            return found
    return ""


def _bib_authors(raw: str) -> str:
    names: list[str] = []
    for name in split_multiple_persons_names(raw):
        try:
            parts = parse_single_name_into_parts(name, strict=False)
            pieces = [*parts.first, *parts.von, *parts.last, *parts.jr]
        except Exception:  # a name bibtexparser cannot split stays as written
            pieces = [name]
        full = _plain(" ".join(piece for piece in pieces if piece))
        if full.lower() == "others":
            full = "et al."
        if full:
            names.append(full)
    return "; ".join(names)


def _split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split at `separator` matches outside braces and quotes."""
    pieces: list[str] = []
    depth = 0
    quoted = False
    start = 0
    tokens = re.compile(r'[{}"]|' + separator.pattern, separator.flags)
    for match in tokens.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif token == '"':
            if depth == 0:
                quoted = not quoted
        elif depth == 0 and not quoted:
            pieces.append(text[start : match.start()])
            start = match.end()
    pieces.append(text[start:])
    return pieces


def _verbatim(value: str) -> str:
    """A link-like value: braces, `\\_`-style escapes and all whitespace removed."""
    unescaped = re.sub(r"\\([_%&#~$])", r"\1", value.replace("{", "").replace("}", ""))
    return _SPACE.sub("", _CONTROL.sub("", unescaped))


# --------------------------------------------------------------------------- codes

_DOI_KEY = re.compile(r"10\.[0-9]{4,9}/", re.IGNORECASE)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def derive_code(key: str, authors: str = "", year: str = "") -> str:
    """A valid paper code made from any entry key, e.g. `DBLP:conf/nips/WeiM19` → `weim19`.

    DBLP's `DBLP:conf/nips/WeiM19` keeps its last part; a DOI key such as ACM's
    `10.1145/3446776` says nothing to a student, so the first author's surname and
    the year stand in (`zhang-2021`); a long Better BibTeX key is shortened at word
    boundaries, keeping its first word and its year.
    """
    name = key.strip()
    if _DOI_KEY.match(name) and (by_author := _author_year(authors, year)):
        return by_author
    if "/" in name:  # DBLP:conf/nips/WeiM19, 10.1145/3446776: the last part names it
        name = name.rstrip("/").rsplit("/", 1)[-1]
    ascii_text = _ascii(name)
    code = _slug(ascii_text, clip=False)
    if len(code) > CODE_MAX:
        words = [word.lower() for word in _WORD.findall(ascii_text)]
        tail = words.pop() if len(words) > 1 and words[-1].isdigit() else ""
        while len(words) > 1 and len("-".join([*words, tail])) > CODE_MAX:
            words.pop()
        code = _slug("-".join(word for word in [*words, tail] if word))
    if len(code) < CODE_MIN:
        code = _author_year(authors, year) or _slug(f"paper-{code}")
    return code


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text.replace("Ł", "L"))
    return "".join(ch for ch in decomposed if ch.isascii())


def _slug(text: str, *, clip: bool = True) -> str:
    code = re.sub(r"[^a-z0-9._-]+", "-", text.lower())
    code = re.sub(r"-{2,}", "-", code).strip("-._")
    return code[:CODE_MAX].rstrip("-._") if clip else code


def _author_year(authors: str, year: str) -> str:
    first = authors.split(";", 1)[0].strip()
    surname = _slug(_ascii(first.split()[-1])) if first and first != "et al." else ""
    if not surname:
        return ""
    code = _slug(f"{surname}-{year}" if re.fullmatch(r"[0-9]{4}", year) else surname)
    return code if len(code) >= CODE_MIN else ""


def _candidates(stem: str) -> Iterator[str]:
    yield stem
    for number in range(2, 10_000):
        suffix = f"-{number}"
        yield stem[: CODE_MAX - len(suffix)].rstrip("-._") + suffix


def _same_paper(old: PaperFields, new: PaperFields) -> bool:
    """Is the paper behind an existing code the one this entry describes?"""

    def arxiv_id(link: str) -> str:
        return re.sub(r"v[0-9]+$", "", link)

    if old.arxiv and new.arxiv and arxiv_id(old.arxiv) == arxiv_id(new.arxiv):
        return True
    if old.url and old.url == new.url:
        return True
    return _title_key(old.title) == _title_key(new.title) != ""


def _title_key(title: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", title).casefold() if ch.isalnum())


def _allocate(
    pending: list[tuple[int, PaperFields, DerivedCode | None]],
    existing: Mapping[str, PaperFields],
) -> tuple[list[PaperFields], list[DerivedCode]]:
    """Final codes: given ones as they are; derived ones unique in the file, and
    never the code of an existing paper that is a different paper."""
    taken = {paper.code for _, paper, derived in pending if derived is None}
    papers: list[PaperFields] = []
    codes: list[DerivedCode] = []
    for _, paper, derived in pending:
        if derived is None:
            papers.append(paper)
            continue
        for candidate in _candidates(derived.stem):
            if candidate in taken:
                continue
            other = existing.get(candidate)
            if other is None or _same_paper(other, paper):
                break
        taken.add(candidate)
        papers.append(dataclasses.replace(paper, code=candidate))
        codes.append(dataclasses.replace(derived, code=candidate))
    return papers, codes


def settle_codes(parsed: ParsedCatalogue, existing: Mapping[str, PaperFields]) -> ParsedCatalogue:
    """Re-pick derived codes against the catalogue as it is now (inside the import's
    transaction): a derived code never takes over a different existing paper."""
    if not parsed.derived:
        return parsed
    derived = {code.code: code for code in parsed.derived}
    pending = [(0, paper, derived.get(paper.code)) for paper in parsed.papers]
    papers, codes = _allocate(pending, existing)
    return dataclasses.replace(parsed, papers=papers, derived=codes)
