"""What every file format shares: size limit, UTF-8 decoding, and the row registry
that refuses a code seen earlier in the same file."""

from __future__ import annotations

from bot.core.catalogue.paper import valid_code
from bot.core.catalogue.results import ParsedCatalogue, RefusedRow
from bot.core.catalogue.text import echo
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields

MAX_ROWS = 2000
MAX_FILE_BYTES = 8 * 1024 * 1024


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1_048_576} MB. Split it into smaller files."
        )


def decode_utf8(data: bytes) -> str:
    check_size(data)
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


def too_many_rows(kind: str) -> InvalidInput:
    return InvalidInput(f"The file has more than {MAX_ROWS} {kind}; split it into smaller files.")


class Registry:
    """Collects papers and refusals, refusing a code seen earlier in the file."""

    def __init__(self) -> None:
        self.papers: list[PaperFields] = []
        self.refused: list[RefusedRow] = []
        self._first_line: dict[str, int] = {}

    def refuse(self, line: int, code: str, reason: str) -> None:
        self.refused.append(RefusedRow(line, echo(code.strip().lower()), reason))

    def duplicate(self, line: int, raw_code: str) -> bool:
        """Refuse the row if its (valid) code was already used; else remember it."""
        try:
            code = valid_code(raw_code)
        except InvalidInput:
            return False  # validation will refuse it with the precise reason
        first = self._first_line.setdefault(code, line)
        if first != line:
            self.refuse(line, code, f"duplicate code in file, first on line {first}")
            return True
        return False

    def result(self) -> ParsedCatalogue:
        return ParsedCatalogue(self.papers, self.refused)
