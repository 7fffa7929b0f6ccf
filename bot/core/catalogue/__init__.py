"""The paper catalogue's input rules: one paper's fields, and CSV / BibTeX imports.

Pure functions, no I/O and no chat platform. Every refusal is an `InvalidInput` whose
message can be shown to the user as is; it echoes at most `ECHO_MAX` characters of what
they typed, with backticks replaced so the echo cannot break out of inline code.

Where to look:
- `paper.py`    one paper: limits and `validate_paper`
- `text.py`     the text rules every field shares (controls, whitespace, safe echoes)
- `arxiv.py`    arXiv IDs, links and DOIs → `https://arxiv.org/abs/<id>`
- `files.py`    an uploaded file: CSV or BibTeX? (`parse_catalogue`)
- `reading.py`  what both formats share: size limit, UTF-8, duplicate codes in a file
- `csvfile.py`  CSV import
- `bibtex.py`   BibTeX import (fields, names, crossref, where the arXiv ID hides)
- `latex.py`    LaTeX in BibTeX fields → readable Unicode text
- `codes.py`    paper codes derived from BibTeX keys, kept unique
- `results.py`  what a parse returns (`ParsedCatalogue`, `RefusedRow`, `DerivedCode`)

The names below are the package's API; the modules' other public names are shared
between these modules only, and a leading underscore means "this module only".
"""

from bot.core.catalogue.arxiv import normalise_arxiv
from bot.core.catalogue.codes import derive_code, settle_codes
from bot.core.catalogue.csvfile import COLUMNS, parse_csv
from bot.core.catalogue.files import parse_catalogue
from bot.core.catalogue.paper import CAPACITY_MAX, CAPACITY_MIN, validate_paper
from bot.core.catalogue.reading import MAX_FILE_BYTES, MAX_ROWS
from bot.core.catalogue.results import DerivedCode, ParsedCatalogue, RefusedRow

__all__ = [
    "CAPACITY_MAX",
    "CAPACITY_MIN",
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "DerivedCode",
    "ParsedCatalogue",
    "RefusedRow",
    "derive_code",
    "normalise_arxiv",
    "parse_catalogue",
    "parse_csv",
    "settle_codes",
    "validate_paper",
]
