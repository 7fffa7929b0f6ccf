"""One paper's fields: the limits, and `validate_paper`, which normalises or refuses them.

Text is stored as typed, apart from removing control characters and collapsing runs of
whitespace: mentions, Markdown and SQL metacharacters are left alone, because escaping
is the renderer's job (and the store only uses placeholders).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.core.catalogue.arxiv import normalise_arxiv
from bot.core.catalogue.text import as_text, collapse, echo, trimmed
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields

CODE_MIN, CODE_MAX = 2, 40
TITLE_MAX = 256
AUTHORS_MAX = 1024
VENUE_MAX = 256
TOPIC_MAX = 100
URL_MAX = 512
CAPACITY_MIN, CAPACITY_MAX = 1, 10

_CODE_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_CODE_RULE = (
    f"A code is {CODE_MIN}–{CODE_MAX} characters: lowercase letters a–z, digits, `.`, `_` "
    "or `-`, starting with a letter or digit (for example `wei-ma-2019`)."
)
_CAPACITY_TEXT = re.compile(r"[0-9]{1,9}")


def validate_paper(fields: PaperFields) -> PaperFields:
    """A normalised copy of `fields`, or `InvalidInput` naming the first problem."""
    return PaperFields(
        code=valid_code(fields.code),
        title=_prose(fields.title, "title", TITLE_MAX, required=True),
        authors=_prose(fields.authors, "author list", AUTHORS_MAX),
        venue=_prose(fields.venue, "venue", VENUE_MAX),
        url=_url(fields.url),
        arxiv=normalise_arxiv(as_text(fields.arxiv, "arXiv reference")),
        topic=_prose(fields.topic, "topic", TOPIC_MAX),
        capacity=_capacity(fields.capacity),
    )


def valid_code(value: object) -> str:
    code = trimmed(as_text(value, "code"))
    if not code.isascii():  # before lower(): the Kelvin sign would become a plain `k`
        raise InvalidInput(f"The code `{echo(code)}` is not valid. {_CODE_RULE}")
    code = code.lower()
    if not code:
        raise InvalidInput(f"The paper code is missing. {_CODE_RULE}")
    if len(code) < CODE_MIN:
        raise InvalidInput(f"The code `{echo(code)}` is too short. {_CODE_RULE}")
    if len(code) > CODE_MAX:
        raise InvalidInput(
            f"The code `{echo(code)}` is too long ({len(code)} characters). {_CODE_RULE}"
        )
    if not _CODE_RE.fullmatch(code):
        raise InvalidInput(f"The code `{echo(code)}` is not valid. {_CODE_RULE}")
    return code


def _prose(value: object, label: str, limit: int, *, required: bool = False) -> str:
    text = collapse(as_text(value, label))
    if required and not text:
        raise InvalidInput(f"The {label} is missing.")
    if len(text) > limit:
        raise InvalidInput(f"The {label} is {len(text)} characters long; the limit is {limit}.")
    return text


def _url(value: object) -> str:
    url = trimmed(as_text(value, "URL"))
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise InvalidInput(f"The URL is {len(url)} characters long; the limit is {URL_MAX}.")
    refusal = InvalidInput(
        f"The URL `{echo(url)}` is not a web link. Give a full address starting with "
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


def capacity_from_text(value: str) -> int:
    """Capacity as written in a file: empty means 1."""
    text = trimmed(value)
    if not text:
        return 1
    if not _CAPACITY_TEXT.fullmatch(text):
        raise InvalidInput(
            f"The capacity must be a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}, "
            f"not `{echo(text)}`."
        )
    return int(text)
