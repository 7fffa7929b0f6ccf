"""PDF hand-ins: checked, stored beside the database, every version kept.

A hand-in is two steps because the front end downloads the file in between:
`start` refuses what needs no download (not registered, too large) and fixes
the instant the request arrived, which decides on time or late, so a slow
download never makes a student late; `finish` checks the bytes and stores them.
Nothing is stored unless both succeed: the file is written to a temporary name
(`.upload-*.part`), moved into place inside the transaction that inserts its
row, and removed again on every failure, cancellation included. What a killed
process left behind is removed by `sweep_partial_uploads` at start-up.

A hand-in must open as a PDF with at least one page, without a password:
pypdf reads it (in a worker thread), so a truncated download, an HTML page
with `%PDF-` in a comment or an encrypted file is refused with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pypdf

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.base import FileBackedService
from bot.core.csvtext import to_csv
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.models import ParticipantStatus, Seminar, Submission, SubmissionKind
from bot.core.text import printable
from bot.store import deadlines, identities, participants
from bot.store import submissions as store
from bot.store.reader import Reader

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# Every complete PDF ends with this marker (readers look for it in the last 1024
# bytes); a download or export cut short does not.
PDF_END = b"%%EOF"
PARTIAL_GLOB = ".upload-*.part"
# A partial file younger than this may belong to an upload still under way in
# another process sharing the data folder (a console demo beside the bot).
SWEEP_MIN_AGE_SECONDS = 600.0
# PDF readers accept the header anywhere in the first 1024 bytes (some tools
# prepend junk), so the check does too; a renamed .docx never has it.
MAGIC_WINDOW = 1024
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
SUBMISSIONS_DIR = "submissions"
EXPORT_COLUMNS = (
    "account",
    "display_name",
    *(
        f"{kind.value}_{column}"
        for kind in SubmissionKind
        for column in ("version", "submitted_at", "on_time", "sha256")
    ),
)


@dataclass(frozen=True)
class Upload:
    """A `/submit` that passed the checks possible before downloading."""

    seminar: Seminar
    user_id: int
    kind: SubmissionKind
    # When the request arrived: on time iff this is <= the deadline.
    received_at: int
    limit: int


@dataclass(frozen=True)
class Receipt:
    submission: Submission
    seminar: Seminar
    # Seconds after the deadline (0 when on time or when there is no deadline).
    late_by: int


@dataclass(frozen=True)
class SubmissionStatus:
    """The version that counts per (user, kind), for organisers' overviews."""

    latest: dict[tuple[int, str], Submission]

    def has(self, user_id: int, kind: str) -> bool:
        return (user_id, kind) in self.latest


def local_iso(unix: int, seminar: Seminar) -> str:
    """An instant as the seminar's local time with its offset (what organisers read)."""
    return datetime.fromtimestamp(unix, seminar.tz).isoformat()


def user_folder(data_dir: Path, seminar_id: int, user_id: int) -> Path:
    """Where one member's hand-ins live: `<data>/submissions/<seminar>/<user>/`."""
    return data_dir / SUBMISSIONS_DIR / str(seminar_id) / str(user_id)


def parse_kind(kind: str) -> SubmissionKind:
    try:
        return SubmissionKind(kind.strip().lower())
    except ValueError:
        raise InvalidInput("You can hand in a `report` or `slides`.") from None


def is_pdf(data: bytes) -> bool:
    """Does it start like a PDF? (Only a first sniff: `check_pdf` opens it.)"""
    return PDF_MAGIC in data[: MAGIC_WINDOW + len(PDF_MAGIC) - 1]


def check_pdf(data: bytes, what: str) -> None:
    """Refuse what a PDF reader cannot open, has no page, or needs a password for.

    `what` names the hand-in in the message ("report"). Runs pypdf: call it in a
    worker thread. Reads only the structure (pages and their content objects),
    never renders.
    """
    again = f"Please export your {what} as PDF again and hand it in again. Nothing was stored."
    if not is_pdf(data):
        raise InvalidInput(f"That file is not a PDF (whatever its name says). {again}")
    head = data[: data.find(PDF_MAGIC)].lower()
    if b"<html" in head or b"<!doctype" in head:
        raise InvalidInput(
            "That file is a web page (HTML), not a PDF: perhaps a download or sign-in page "
            f"was saved instead of the document. {again}"
        )
    if PDF_END not in data[-MAGIC_WINDOW:]:
        raise InvalidInput(
            "That PDF is incomplete: it stops before the end every PDF has, as if the "
            f"export or the upload was cut short. {again}"
        )
    # Imported here: pypdf costs ~25 MB of memory that an idle bot need not hold.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else _readable_pages(reader)
    except Exception as exc:  # pypdf raises many kinds of errors for a damaged file
        log.info("a hand-in did not open as a PDF: %r", exc)
        raise InvalidInput(
            f"That file does not open as a PDF: it is damaged or not really a PDF. {again}"
        ) from None
    if encrypted:
        raise InvalidInput(
            "That PDF is password-protected (encrypted), so the organisers could not "
            f"open or annotate it. Please save your {what} without a password or "
            "restrictions and hand it in again. Nothing was stored."
        )
    if pages < 1:
        raise InvalidInput(f"That PDF has no pages. {again}")


def _readable_pages(reader: pypdf.PdfReader) -> int:
    """How many pages, after checking each page's content objects resolve."""
    count = 0
    for page in reader.pages:
        _ = page.mediabox  # every page has a size, possibly inherited
        contents = page.get("/Contents")
        parts = contents.get_object() if contents is not None else None
        if contents is not None and parts is None:
            raise ValueError("a page's contents are missing")
        for part in parts if isinstance(parts, list) else ():
            if part.get_object() is None:
                raise ValueError("a page's contents are missing")
        count += 1
    return count


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def human_duration(seconds: int) -> str:
    """`1 d 2 h`, `3 h 5 min`, `42 s`: the two largest units, never rounded up to on time."""
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {unit}")
    return " ".join(parts[:2]) or "0 s"


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise InvalidInput(
            f"That file is {human_size(size)}; hand-ins can be at most {human_size(limit)}. "
            "Please compress the PDF (e.g. smaller images) and try again."
        )
    if size <= 0:
        raise InvalidInput("That file is empty.")


class SubmissionService(FileBackedService):
    def user_dir(self, seminar_id: int, user_id: int) -> Path:
        return user_folder(self.data_dir, seminar_id, user_id)

    async def start(
        self,
        guild_id: int | None,
        user_id: int,
        kind: str,
        size: int,
        limit: int = DEFAULT_MAX_UPLOAD_BYTES,
    ) -> Upload:
        """Refuse before downloading: unknown kind, not registered, too large."""
        seminar = await self.seminar(guild_id)
        wanted = parse_kind(kind)
        await self._require_registered(seminar, user_id)
        check_size(size, limit)
        return Upload(seminar, user_id, wanted, self.clock.now(), limit)

    async def finish(self, upload: Upload, filename: str, data: bytes) -> Receipt:
        """Check the downloaded bytes and store them as the next version."""
        check_size(len(data), upload.limit)
        seminar, user_id, kind = upload.seminar, upload.user_id, upload.kind.value
        await asyncio.to_thread(check_pdf, data, kind)
        digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
        folder = self.user_dir(seminar.id, user_id)
        temp = folder / f".upload-{uuid.uuid4().hex}.part"
        final: Path | None = None
        files = _FileSteps()
        try:
            await files.run(_write_temp, temp, data)
            async with self.db.transaction() as tx:
                # Checked again: they may have left while the file was downloading.
                await self._require_registered(seminar, user_id, tx)
                deadline = await deadlines.by_kind(tx, seminar.id, kind)
                due_at = None if deadline is None else deadline.due_at
                on_time = due_at is None or upload.received_at <= due_at
                # The write lock is held, so nobody else can take this version number.
                version = await store.next_version(tx, seminar.id, user_id, kind)
                final = folder / f"{kind}-{version}-{digest[:12]}.pdf"
                await files.run(_publish, temp, final)
                draft = Submission(
                    id=0,
                    seminar_id=seminar.id,
                    user_id=user_id,
                    kind=kind,
                    version=version,
                    size_bytes=len(data),
                    sha256=digest,
                    stored_path=final.relative_to(self.data_dir).as_posix(),
                    original_filename=printable(filename)[:200],
                    submitted_at=upload.received_at,
                    due_at=due_at,
                    on_time=on_time,
                )
                row_id = await store.insert(tx, draft)
        except BaseException:
            # Also on cancellation: once the file step under way has finished.
            files.then(_discard, temp, final)
            raise
        submission = dataclasses.replace(draft, id=row_id)
        late_by = 0 if on_time or due_at is None else upload.received_at - due_at
        return Receipt(submission, seminar, late_by)

    async def sweep_partial_uploads(
        self, min_age_seconds: float = SWEEP_MIN_AGE_SECONDS
    ) -> tuple[int, int]:
        """Remove `.upload-*.part` files a killed process left behind; call at start-up.

        Returns (files removed, bytes freed). Files younger than `min_age_seconds`
        are kept: they may be uploads still under way in another process.
        """
        root = self.data_dir / SUBMISSIONS_DIR
        removed, freed = await asyncio.to_thread(_sweep, root, time.time() - min_age_seconds)
        if removed:
            log.warning(
                "removed %d partial upload file(s) left behind (%s)", removed, human_size(freed)
            )
        return removed, freed

    async def mine(self, guild_id: int | None, user_id: int) -> list[Submission]:
        seminar = await self.seminar(guild_id)
        return await store.of_user(self.db, seminar.id, user_id)

    async def status(self, seminar: Seminar) -> SubmissionStatus:
        return SubmissionStatus(await store.latest_by_user(self.db, seminar.id))

    async def export_csv(self, guild_id: int | None) -> str:
        """`/admin export what:submissions`: per registered student, the version that counts."""
        seminar = await self.seminar(guild_id)
        latest = await store.latest_by_user(self.db, seminar.id)
        rows: list[list[object]] = []
        people = await participants.list_by_status(
            self.db, seminar.id, ParticipantStatus.REGISTERED
        )
        accounts = await identities.external_ids(self.db, (p.user_id for p in people))
        for person in people:
            row: list[object] = [accounts[person.user_id], person.display_name]
            for kind in SubmissionKind:
                found = latest.get((person.user_id, kind.value))
                if found is None:
                    row += ["", "", "", ""]
                    continue
                row += [
                    found.version,
                    local_iso(found.submitted_at, seminar),
                    "yes" if found.on_time else "no",
                    found.sha256,
                ]
            rows.append(row)
        return to_csv(EXPORT_COLUMNS, rows)

    async def _require_registered(
        self, seminar: Seminar, user_id: int, db: Reader | None = None
    ) -> None:
        participant = await participants.get(db or self.db, seminar.id, user_id)
        if participant is None:
            raise NotAllowed("Only registered participants can hand in; `/join` first.")
        if participant.status is not ParticipantStatus.REGISTERED:
            raise NotAllowed(
                "You are on the waitlist, so there is nothing to hand in yet. You will be "
                "told when a place frees up."
            )


class _FileSteps:
    """File work in worker threads that a cancellation cannot cut loose.

    Cancelling `await asyncio.to_thread(...)` returns at once while the thread
    goes on writing; a clean-up run then could come before the file exists. So
    each step is shielded, and `then` runs the clean-up only after the step
    under way (if any) has really finished.
    """

    def __init__(self) -> None:
        self._last: asyncio.Future[Any] | None = None

    async def run(self, step: Callable[..., Any], *args: Any) -> Any:
        self._last = asyncio.ensure_future(asyncio.to_thread(step, *args))
        return await asyncio.shield(self._last)

    def then(self, cleanup: Callable[..., None], *args: Any) -> None:
        last = self._last
        if last is None or last.done():
            cleanup(*args)
        else:
            last.add_done_callback(lambda _: cleanup(*args))


def _write_temp(temp: Path, data: bytes) -> None:
    temp.parent.mkdir(parents=True, exist_ok=True)
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _publish(temp: Path, final: Path) -> None:
    os.replace(temp, final)
    # The rename is durable only once the directory entry is on disk too.
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(temp: Path, final: Path | None) -> None:
    for path in (temp, final):
        if path is not None:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:  # never hide the error that got us here
                log.error("could not remove %s: %r", path, exc)


def _sweep(root: Path, cutoff: float) -> tuple[int, int]:
    removed = freed = 0
    # <data>/submissions/<seminar>/<user>/.upload-*.part
    for path in root.glob(f"*/*/{PARTIAL_GLOB}"):
        with contextlib.suppress(OSError):
            stat = path.stat()
            if stat.st_mtime <= cutoff:
                path.unlink()
                removed += 1
                freed += stat.st_size
    return removed, freed
