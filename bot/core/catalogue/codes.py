"""Paper codes made from BibTeX keys (`DBLP:conf/nips/WeiM19` → `weim19`), kept unique
in the file and never taken from a different existing paper."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator, Mapping

from bot.core.catalogue.paper import CODE_MAX, CODE_MIN
from bot.core.catalogue.results import DerivedCode, ParsedCatalogue
from bot.core.models import PaperFields

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


def allocate_codes(
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
    papers, codes = allocate_codes(pending, existing)
    return dataclasses.replace(parsed, papers=papers, derived=codes)
