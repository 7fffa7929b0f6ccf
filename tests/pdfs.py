"""Real PDFs for tests, written by pypdf (no fixtures on disk to go stale)."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject


def make_pdf(
    body: bytes | str = b"report", *, pages: int = 1, password: str | None = None
) -> bytes:
    """A PDF that opens in every reader: `pages` A4 pages, `body` as the first
    page's (uncompressed) content, so different bodies give different files and a
    long body gives a large file."""
    text = body.encode() if isinstance(body, str) else body
    writer = PdfWriter()
    for number in range(pages):
        page = writer.add_blank_page(595, 842)
        stream = DecodedStreamObject()
        # A PDF comment line per chunk: valid content whatever the bytes are.
        payload = text.replace(b"\r", b" ").replace(b"\n", b" ") if number == 0 else b""
        stream.set_data(b"% " + payload + b"\nq Q\n")
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password is not None:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
