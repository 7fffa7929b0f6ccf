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
import io
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.errors import InvalidInput

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "PaperFields",
    "ParsedCatalogue",
    "RefusedRow",
    "normalise_arxiv",
    "parse_bibtex",
    "parse_catalogue",
    "parse_csv",
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
class PaperFields:
    code: str
    title: str
    authors: str = ""
    venue: str = ""
    url: str = ""
    arxiv: str = ""
    topic: str = ""
    capacity: int = 1


@dataclass(frozen=True)
class RefusedRow:
    line: int  # 1-based line of the file where the row or entry starts
    code: str  # as given, lowercased and clipped for display ("" if none)
    reason: str


@dataclass(frozen=True)
class ParsedCatalogue:
    papers: list[PaperFields]
    refused: list[RefusedRow]


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
    text = _collapse(value).replace("`", "'")
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
            columns = _csv_columns(row)
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
    return registry.result()


def _csv_error(exc: csv.Error, line: int) -> InvalidInput:
    if "unexpected end of data" in str(exc):
        return InvalidInput(
            f"The CSV file is malformed: a quoted cell in the row starting on line {line} "
            'is never closed (a `"` is missing).'
        )
    return InvalidInput(f"The CSV file is malformed in the row starting on line {line}: {exc}.")


def _csv_columns(header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:  # trailing empty cells, as spreadsheets write them
        names.pop()
    allowed = ", ".join(COLUMNS)
    for position, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(
                f"Column {position} of the CSV header has no name. Allowed columns: {allowed}."
            )
        if name not in COLUMNS:
            raise InvalidInput(
                f"The CSV header has an unknown column `{_echo(name)}`. Allowed columns: "
                f"{allowed} (only code and title are required)."
            )
        if names.index(name) != position - 1:
            raise InvalidInput(f"The CSV header names the column `{name}` twice.")
    for required in REQUIRED_COLUMNS:
        if required not in names:
            raise InvalidInput(
                f"The CSV header has no `{required}` column; `code` and `title` are required."
            )
    return names


def _csv_row(
    registry: _Registry, line: int, columns: list[str], row: list[str], delimiter: str
) -> None:
    values = dict.fromkeys(COLUMNS, "")
    values.update(zip(columns, row, strict=False))
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

_BIB_ENTRY = re.compile(r"@[ \t\n]*([A-Za-z][A-Za-z0-9_:-]*)[ \t\n]*([{(])")
# An `@` that opens an entry, or any `@` at the start of a line (to report it).
_BIB_CANDIDATE = re.compile(
    r"@[ \t\n]*[A-Za-z][A-Za-z0-9_:-]*[ \t\n]*[{(]|^[^\S\n]*@", re.MULTILINE
)
_BIB_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
# An entry opening at the start of a line: a value still open there is unbalanced.
_BIB_NEXT_ENTRY = r"\n[ \t]*@[ \t]*[A-Za-z][A-Za-z0-9_:-]*[ \t]*[{(]"
_BIB_NEXT_ENTRY_RE = re.compile(_BIB_NEXT_ENTRY)
_BIB_BRACE_TOKENS = re.compile(r"[{}]|" + _BIB_NEXT_ENTRY)
_BIB_QUOTE_TOKENS = re.compile(r'[{}"]|' + _BIB_NEXT_ENTRY)
_BIB_PAREN_TOKENS = re.compile(r"[{})]|" + _BIB_NEXT_ENTRY)
_BIB_BLANKS = re.compile(r"[^\S\n]*")
_BIB_GAP = re.compile(r"(?:\s+|%[^\n]*)*")
_BIB_KEY = re.compile(r"[^\s,{}()=\"#%]+")
_BIB_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:+-]*")
_BIB_NUMBER = re.compile(r"[0-9]+")
_BIB_AT_ENTRY = re.compile(r"@[ \t]*[A-Za-z]+[ \t]*[{(]")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {month.lower(): month for month in _MONTH_NAMES}


class _Malformed(Exception):
    def __init__(self, reason: str, key: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


class _BibScanner:
    """A small hand-written reader over the whole text; it never recurses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.end = len(text)
        self.macros: dict[str, str] = dict(_MONTHS)
        self._newlines = [match.start() for match in re.finditer("\n", text)]
        self._indents: dict[int, int] = {}

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self._newlines, pos) + 1

    def indent_end(self, line: int) -> int:
        """Where the first character other than blanks on 1-based `line` is."""
        if line not in self._indents:
            start = 0 if line == 1 else self._newlines[line - 2] + 1
            blanks = _BIB_BLANKS.match(self.text, start)
            self._indents[line] = blanks.end() if blanks else start
        return self._indents[line]

    def skip(self, pos: int) -> int:
        match = _BIB_GAP.match(self.text, pos)
        return match.end() if match else pos

    def next_entry(self, pos: int) -> int:
        """Where the next entry starting a line after `pos` begins (its `@`)."""
        match = _BIB_NEXT_ENTRY_RE.search(self.text, pos)
        return self.end if match is None else self.text.index("@", match.start())

    def skip_group(self, pos: int, close: str) -> int:
        """After the balanced group opened at `pos` (for @comment and @preamble)."""
        if close == "}":
            return self.braced(pos, "comment")[1]
        closing = self._closer(_BIB_PAREN_TOKENS, pos + 1, ")")
        if closing is None:
            raise _Malformed("unbalanced group")
        return closing.end()

    def _closer(self, tokens: re.Pattern[str], start: int, closer: str) -> re.Match[str] | None:
        """The first `closer` from `start` outside any {…}; None if braces go wrong or
        the next entry starts first."""
        depth = 0
        for match in tokens.finditer(self.text, start):
            token = match.group()
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth < 0:
                    return None
            elif token == closer:
                if depth == 0:
                    return match
            else:
                return None
        return None

    def braced(self, start: int, field: str) -> tuple[str, int]:
        depth = 0
        for match in _BIB_BRACE_TOKENS.finditer(self.text, start):
            token = match.group()
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    return self.text[start + 1 : match.start()], match.end()
            else:
                break
        raise _Malformed(
            f"unbalanced braces: the `{{` opened on line {self.line(start)} in the field "
            f"`{_echo(field)}` is never closed"
        )

    def quoted(self, start: int, field: str) -> tuple[str, int]:
        closing = self._closer(_BIB_QUOTE_TOKENS, start + 1, '"')
        if closing is not None:
            return self.text[start + 1 : closing.start()], closing.end()
        raise _Malformed(
            f"the quoted value of the field `{_echo(field)}` (line {self.line(start)}) is "
            "never closed or has unbalanced braces"
        )

    def value(self, pos: int, field: str) -> tuple[str, int]:
        """A field value: pieces (`{…}`, `"…"`, a number or a @string name) joined by `#`."""
        pieces: list[str] = []
        while True:
            pos = self.skip(pos)
            if pos >= self.end:
                raise _Malformed(f"the file ends before the value of the field `{_echo(field)}`")
            char = self.text[pos]
            if char == "{":
                piece, pos = self.braced(pos, field)
            elif char == '"':
                piece, pos = self.quoted(pos, field)
            elif number := _BIB_NUMBER.match(self.text, pos):
                piece, pos = number.group(), number.end()
            elif name := _BIB_NAME.match(self.text, pos):
                piece, pos = self.macros.get(name.group().lower(), name.group()), name.end()
            else:
                raise _Malformed(
                    f"the field `{_echo(field)}` on line {self.line(pos)} has no value"
                )
            pieces.append(piece)
            pos = self.skip(pos)
            if pos < self.end and self.text[pos] == "#":
                pos += 1
                continue
            return "".join(pieces), pos

    def fields(self, pos: int, close: str, key: str) -> tuple[dict[str, str], int]:
        """`name = value` pairs up to the closing delimiter; the first of a repeated name wins."""
        found: dict[str, str] = {}
        while True:
            pos = self.skip(pos)
            if pos >= self.end:
                raise _Malformed(f"the entry is not closed: a `{close}` is missing at its end", key)
            if self.text[pos] == close:
                return found, pos + 1
            if _BIB_AT_ENTRY.match(self.text, pos):
                raise self._unclosed(pos, close, key)
            name_match = _BIB_NAME.match(self.text, pos)
            if name_match is None:
                raise _Malformed(
                    f"expected a field name on line {self.line(pos)}, found "
                    f"`{_echo(self.text[pos : pos + 20])}`",
                    key,
                )
            name = name_match.group().lower()
            pos = self.skip(name_match.end())
            if pos >= self.end or self.text[pos] != "=":
                raise _Malformed(
                    f"expected `=` after the field `{_echo(name)}` on line {self.line(pos)}", key
                )
            try:
                value, pos = self.value(pos + 1, name)
            except _Malformed as exc:
                raise _Malformed(exc.reason, key) from None
            found.setdefault(name, value)
            pos = self.skip(pos)
            if pos < self.end and self.text[pos] == ",":
                pos += 1
                continue
            if pos < self.end and self.text[pos] == close:
                return found, pos + 1
            if _BIB_AT_ENTRY.match(self.text, pos):
                raise self._unclosed(pos, close, key)
            raise _Malformed(
                f"expected `,` or `{close}` after the field `{_echo(name)}` on line "
                f"{self.line(pos)}",
                key,
            )

    def _unclosed(self, pos: int, close: str, key: str) -> _Malformed:
        return _Malformed(
            f"the entry is not closed: a `{close}` is missing before line {self.line(pos)} "
            "(are its braces balanced?)",
            key,
        )

    def entry(self, pos: int, close: str) -> tuple[str, dict[str, str], int]:
        pos = self.skip(pos)
        key_match = _BIB_KEY.match(self.text, pos)
        key = key_match.group() if key_match else ""
        pos = self.skip(key_match.end() if key_match else pos)
        if not key or (pos < self.end and self.text[pos] == "="):
            raise _Malformed(
                "the entry has no key; it must start like `@article{wei-ma-2019,` "
                "(the key becomes the paper code)"
            )
        if pos < self.end and self.text[pos] == close:
            return key, {}, pos + 1
        if pos >= self.end or self.text[pos] != ",":
            raise _Malformed(f"expected `,` after the entry key on line {self.line(pos)}", key)
        found, pos = self.fields(pos + 1, close, key)
        return key, found, pos

    def string(self, pos: int, close: str) -> int:
        """Read `@string{name = value}` into the macros; returns the position after it."""
        found, pos = self.fields(pos, close, "")
        for name, value in found.items():
            self.macros[name] = value
        return pos


def parse_bibtex(data: bytes) -> ParsedCatalogue:
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    scanner = _BibScanner(text)
    registry = _Registry()
    entries = others = 0
    pos = 0
    while candidate := _BIB_CANDIDATE.search(text, pos):
        at = text.index("@", candidate.start())
        line = scanner.line(at)
        indent_end = scanner.indent_end(line)  # first non-blank character of the line
        if indent_end < at and text[indent_end] == "%":  # a commented-out line
            newline = text.find("\n", at)
            pos = len(text) if newline < 0 else newline + 1
            continue
        match = _BIB_ENTRY.match(text, at)
        if match is None:
            if indent_end == at:
                entries += 1
                if entries > MAX_ROWS:
                    raise _too_many_rows("entries")
                registry.refuse(
                    line,
                    "",
                    "this `@` does not start a valid entry; entries look like "
                    "`@article{wei-ma-2019, title = {…}}`",
                )
            pos = at + 1
            continue
        kind = match.group(1).lower()
        close = "}" if match.group(2) == "{" else ")"
        opening = match.end() - 1
        if kind in ("comment", "preamble", "string"):
            others += 1
            if others > MAX_ROWS:
                raise InvalidInput(
                    f"The file has more than {MAX_ROWS} @string, @comment and @preamble "
                    "blocks; is it really a BibTeX file?"
                )
        if kind in ("comment", "preamble"):
            try:
                pos = scanner.skip_group(opening, close)
            except _Malformed:
                pos = scanner.next_entry(at)
            continue
        if kind == "string":
            try:
                pos = scanner.string(match.end(), close)
            except _Malformed:
                pos = scanner.next_entry(at)
            continue
        entries += 1
        if entries > MAX_ROWS:
            raise _too_many_rows("entries")
        try:
            key, fields, pos = scanner.entry(match.end(), close)
        except _Malformed as exc:
            registry.refuse(line, exc.key, f"malformed entry: {exc.reason}")
            pos = scanner.next_entry(at)
            continue
        if registry.duplicate(line, key):
            continue
        try:
            paper = _bib_paper(key, fields)
        except InvalidInput as exc:
            registry.refuse(line, key, str(exc))
            continue
        registry.papers.append(paper)
    return registry.result()


_BIB_USED = (
    "title", "author", "booktitle", "journal", "year", "url", "doi", "eprint",
    "archiveprefix", "eprinttype", "keywords", "topic", "capacity",
)  # fmt: skip
_BIB_FIELD_MAX = 16_384  # far above every limit; spares converting megabytes of junk


def _bib_paper(key: str, fields: dict[str, str]) -> PaperFields:
    try:
        code = _code(key)
    except InvalidInput as exc:
        raise InvalidInput(f"{exc} (The code is the entry key.)") from None
    for name in _BIB_USED:
        if len(fields.get(name, "")) > _BIB_FIELD_MAX:
            raise InvalidInput(
                f"The field `{name}` is {len(fields[name])} characters long, far over the limit."
            )
    venue = _latex(fields.get("booktitle", "")).strip() or _latex(fields.get("journal", "")).strip()
    year = _collapse(_latex(fields.get("year", "")))
    if venue and year and year not in venue.split():
        venue = f"{venue} {year}"
    url = _verbatim(fields.get("url", ""))
    doi = _verbatim(fields.get("doi", ""))
    doi_name = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    if not url and re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi_name):
        url = f"https://doi.org/{doi_name}"
    if "topic" in fields:
        topic = _latex(fields["topic"])
    else:
        topic = re.split(r"[,;]", _latex(fields.get("keywords", "")), maxsplit=1)[0]
    return validate_paper(
        PaperFields(
            code=code,
            title=_latex(fields.get("title", "")),
            authors=_bib_authors(fields.get("author", "")),
            venue=venue,
            url=url,
            arxiv=_bib_arxiv(fields, url, doi),
            topic=topic,
            capacity=_capacity_text(_verbatim(fields.get("capacity", ""))),
        )
    )


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
    # Google Scholar writes `journal = {arXiv preprint arXiv:1905.03684}`.
    mention = re.search(r"arxiv:\s*(\S+)", fields.get("journal", ""), re.IGNORECASE)
    return _maybe_arxiv(mention.group(1).strip("{}.,")) if mention else ""


def _bib_authors(raw: str) -> str:
    names: list[str] = []
    for name in _split_top_level(raw, re.compile(r"\s+and\s+", re.IGNORECASE)):
        parts = [part.strip() for part in _split_top_level(name, re.compile(","))]
        if len(parts) == 2:  # Last, First
            parts = [parts[1], parts[0]]
        elif len(parts) >= 3:  # von Last, Jr, First
            parts = [parts[2], parts[0], parts[1], *parts[3:]]
        full = _collapse(_latex(" ".join(part for part in parts if part)))
        if full.lower() == "others":
            full = "et al."
        if full:
            names.append(full)
    return "; ".join(names)


def _split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split at `separator` matches outside braces."""
    pieces: list[str] = []
    depth = 0
    start = 0
    tokens = re.compile(r"[{}]|" + separator.pattern, separator.flags)
    for match in tokens.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            pieces.append(text[start : match.start()])
            start = match.end()
    pieces.append(text[start:])
    return pieces


def _verbatim(value: str) -> str:
    """A link-like value: braces, `\\_`-style escapes and all whitespace removed."""
    unescaped = re.sub(r"\\([_%&#~$])", r"\1", value.replace("{", "").replace("}", ""))
    return _SPACE.sub("", _CONTROL.sub("", unescaped))


# --------------------------------------------------------------------------- LaTeX

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "b": "\u0331",
    "d": "\u0323",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_WORDS = {
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "ldots": "…",
    "dots": "…",
}
_SYMBOLS = {"\\": " ", " ": " ", ",": " ", "-": "", "/": "", "@": ""}
_ACCENT_ARG = r"\\[ij](?![A-Za-z])|[A-Za-z]"
_LATEX = re.compile(
    rf"""
    \\(?P<sym>['`^"~=.])\s*
        (?:\{{\s*(?P<sym_braced>{_ACCENT_ARG})?\s*\}}|(?P<sym_bare>{_ACCENT_ARG}))
  | \\(?P<let>[uvHckrbd])
        (?:\s*\{{\s*(?P<let_braced>{_ACCENT_ARG})?\s*\}}|\s+(?P<let_bare>{_ACCENT_ARG}))
  | \\(?P<word>[A-Za-z]+)(?P<tail>\{{\}}|[ \t\n]*)
  | \\(?P<esc>[&%$\#_{{}}])
  | \\(?P<ctl>.)
  | (?P<emdash>---) | (?P<endash>--) | (?P<lquote>``) | (?P<rquote>'') | (?P<lsingle>`)
  | (?P<plain>[~{{}}$])
    """,
    re.VERBOSE | re.DOTALL,
)


def _latex(value: str) -> str:
    """BibTeX text to plain Unicode: the common accents, dashes, ties and braces."""
    return unicodedata.normalize("NFC", _LATEX.sub(_latex_piece, value))


def _accented(accent: str, letter: str | None, bare_accent: str) -> str:
    if letter is None:
        return bare_accent
    base = letter[1] if letter.startswith("\\") else letter  # \i, \j: dotless under an accent
    return unicodedata.normalize("NFC", base + _ACCENTS[accent])


def _latex_piece(match: re.Match[str]) -> str:
    if sym := match.group("sym"):
        return _accented(sym, match.group("sym_braced") or match.group("sym_bare"), sym)
    if let := match.group("let"):
        return _accented(let, match.group("let_braced") or match.group("let_bare"), "")
    if word := match.group("word"):
        tail = match.group("tail")
        if word in _LETTERS:
            return _LETTERS[word]  # a control word swallows the spaces after it
        if word in _WORDS:
            return _WORDS[word] + (tail if tail != "{}" else "")
        following = match.string[match.end() : match.end() + 1]
        if tail == "{}" or following == "{":
            return ""  # \emph{…}, \textit{…}: keep the argument, drop the command
        return match.group()
    if esc := match.group("esc"):
        return esc
    if (ctl := match.group("ctl")) is not None:
        return _SYMBOLS.get(ctl, ctl)
    if match.group("emdash"):
        return "—"
    if match.group("endash"):
        return "–"
    if match.group("lquote"):
        return "“"
    if match.group("rquote"):
        return "”"
    if match.group("lsingle"):
        return "‘"
    return " " if match.group("plain") == "~" else ""
