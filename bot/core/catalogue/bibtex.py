"""Catalogue import from BibTeX / BibLaTeX (DBLP, Google Scholar, Zotero, Better BibTeX)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from bibtexparser import model as bib_model
from bibtexparser.entrypoint import parse_string as parse_bibtex_blocks
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from bot.core.catalogue.arxiv import maybe_arxiv, normalise_arxiv
from bot.core.catalogue.codes import allocate_codes, derive_code
from bot.core.catalogue.latex import latex_to_text
from bot.core.catalogue.paper import capacity_from_text, valid_code, validate_paper
from bot.core.catalogue.reading import MAX_ROWS, Registry, decode_utf8, too_many_rows
from bot.core.catalogue.results import DerivedCode, ParsedCatalogue, RefusedRow
from bot.core.catalogue.text import CONTROL, SPACE, collapse, echo
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields

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
    text = decode_utf8(data).replace("\r\n", "\n").replace("\r", "\n")
    text = _BIB_COMMENTED.sub("", text)  # keeps every line, so line numbers stay right
    entries, refused = _bib_entries(text)
    registry = Registry()
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
    papers, derived_codes = allocate_codes(pending, {})
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
            raise too_many_rows("entries")
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
    text = collapse(str(reason))
    if len(text) > 160:
        text = text[:159] + "…"
    return RefusedRow(
        line,
        echo(key_match.group(1).lower()) if key_match else "",
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
        code = valid_code(given)
    except InvalidInput:
        stem = derive_code(given, authors, year)
        code = stem
        derived = DerivedCode(entry.line, echo(given), stem, stem)
    paper = validate_paper(
        PaperFields(
            code=code,
            title=_plain(fields.get("title", "")),
            authors=authors,
            venue=venue,
            url=url,
            arxiv=_bib_arxiv(fields, url, doi),
            topic=topic,
            capacity=capacity_from_text(_verbatim(fields.get("capacity", ""))),
        )
    )
    return paper, derived


def _bib_year(fields: dict[str, str]) -> str:
    year = collapse(_plain(fields.get("year", "")))
    if not year:  # BibLaTeX: date = {2019-08-06}
        found = re.match(r"\s*([0-9]{4})", fields.get("date", ""))
        year = found.group(1) if found else ""
    return year


def _plain(value: str) -> str:
    return collapse(latex_to_text(value))


_CORR = re.compile(r"\s*(?:corr|arxiv|arxiv\.org|arxiv e-prints)\s*", re.IGNORECASE)


def _bib_arxiv(fields: dict[str, str], url: str, doi: str) -> str:
    eprint = _verbatim(fields.get("eprint", ""))
    prefix = _verbatim(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if eprint:
        if prefix == "arxiv":
            return normalise_arxiv(eprint)  # declared arXiv: a bad ID refuses the entry
        if not prefix and (found := maybe_arxiv(eprint)):
            return found
    for candidate in (url, doi):
        if "arxiv" in candidate.lower() and (found := maybe_arxiv(candidate)):
            return found
    journal = fields.get("journal", "") or fields.get("journaltitle", "")
    # DBLP: journal = {CoRR}, volume = {abs/1905.03684}; Semantic Scholar: {ArXiv}.
    volume = _verbatim(fields.get("volume", ""))
    if (
        _CORR.fullmatch(_plain(journal))
        and volume.lower().startswith("abs/")
        and (found := maybe_arxiv(volume[4:]))
    ):
        return found
    # Google Scholar: journal = {arXiv preprint arXiv:1905.03684}; Zotero: note = {arXiv:…}.
    for text in (journal, fields.get("note", ""), fields.get("howpublished", "")):
        mention = re.search(r"arxiv:\s*([^\s{}]+)", text, re.IGNORECASE)
        if mention and (found := maybe_arxiv(mention.group(1).strip(".,;"))):
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
    return SPACE.sub("", CONTROL.sub("", unescaped))
