"""arXiv references (IDs, links, DOIs) normalised to `https://arxiv.org/abs/<id>`."""

from __future__ import annotations

import re

from bot.core.catalogue.text import as_text, echo, trimmed
from bot.core.errors import InvalidInput

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
    text = trimmed(as_text(value, "arXiv reference"))
    if not text:
        return ""
    prefix = _ARXIV_PREFIX.match(text)
    rest = text[prefix.end() :] if prefix else text
    if prefix and prefix.group("link"):
        rest = _LINK_TAIL.sub("", rest, count=1)
    match = _ARXIV_ID_RE.fullmatch(rest)
    if match is None or not _plausible_arxiv(match):
        raise InvalidInput(
            f"`{echo(text)}` is not an arXiv reference. Give an ID such as `1905.03684` "
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


def maybe_arxiv(value: str) -> str:
    try:
        return normalise_arxiv(value)
    except InvalidInput:
        return ""
