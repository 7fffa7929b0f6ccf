"""An uploaded catalogue file: CSV or BibTeX, told apart by extension or content."""

from __future__ import annotations

from bot.core.catalogue.csvfile import looks_like_csv_header, parse_csv
from bot.core.catalogue.reading import check_size, decode_utf8
from bot.core.catalogue.results import ParsedCatalogue
from bot.core.catalogue.sniff import BIB_SNIFF
from bot.core.catalogue.text import echo
from bot.core.errors import InvalidInput


def parse_catalogue(filename: str, data: bytes) -> ParsedCatalogue:
    """Parse by extension (.csv, .bib, .bibtex), else by looking at the content."""
    name = echo(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "the file"
    extension = filename.rsplit(".", 1)[-1].strip().lower() if "." in filename else ""
    if extension == "csv":
        return parse_csv(data)
    if extension in ("bib", "bibtex"):
        return _parse_bibtex(data)
    if extension in ("xlsx", "xls", "xlsm", "ods", "numbers"):
        raise InvalidInput(
            f"`{name}` is a spreadsheet, which I cannot read directly. Export it as "
            "CSV (UTF-8) and upload the .csv file."
        )
    check_size(data)
    try:
        text = decode_utf8(data)
    except InvalidInput:
        raise InvalidInput(
            f"I cannot read `{name}`: it is not a UTF-8 text file. Upload the catalogue "
            "as a CSV (.csv, UTF-8) or BibTeX (.bib) file."
        ) from None
    if BIB_SNIFF.search(text):
        return _parse_bibtex(data)
    if looks_like_csv_header(text):
        return parse_csv(data)
    raise InvalidInput(
        f"I cannot tell what kind of file `{name}` is. Upload a CSV file (.csv) whose "
        "first row is a header such as `code,title,authors`, or a BibTeX file (.bib)."
    )


def _parse_bibtex(data: bytes) -> ParsedCatalogue:
    # Imported on first use: bibtexparser and pylatexenc cost ~15 MB that an idle bot
    # need not hold.
    from bot.core.catalogue.bibtex import parse_bibtex

    return parse_bibtex(data)
