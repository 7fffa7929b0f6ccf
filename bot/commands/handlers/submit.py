"""`/submit`: hand in the report or slides as a PDF, answered with a receipt."""

from __future__ import annotations

import asyncio
import logging

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import field
from bot.core.errors import InvalidInput
from bot.core.submissions import Receipt, human_duration, human_size

log = logging.getLogger(__name__)


KEEP_IT = "Keep this receipt. Handing in again keeps this version; the latest one counts."


def receipt_title(receipt: Receipt) -> str:
    handed_in = receipt.submission
    return f"Received: {handed_in.kind} (version {handed_in.version})"


def receipt_fields(receipt: Receipt, style: Style) -> list[tuple[str, str]]:
    """The receipt as (name, value) pairs: lines here, embed fields on Discord."""
    handed_in = receipt.submission
    size = human_size(handed_in.size_bytes)
    if handed_in.size_bytes >= 1024:
        size += f" ({handed_in.size_bytes} bytes)"
    if handed_in.due_at is None:
        status = "✅ On time: no deadline is set for it yet."
    elif handed_in.on_time:
        status = f"✅ On time (deadline {style.when(handed_in.due_at)})."
    else:
        status = (
            f"⚠️ {style.bold('Late by ' + human_duration(receipt.late_by))} "
            f"(deadline was {style.when(handed_in.due_at)})."
        )
    return [
        ("Received at", style.when(handed_in.submitted_at)),
        ("File", style.escape(handed_in.original_filename)),
        ("Size", size),
        ("SHA-256", style.code(handed_in.sha256)),
        ("Status", status),
    ]


def receipt_text(receipt: Receipt, style: Style) -> str:
    lines = [field(style, name, value) for name, value in receipt_fields(receipt, style)]
    return "\n".join([KEEP_IT, *lines])


async def submit(call: Call) -> Answer:
    attachment = call.invocation.attachment
    assert attachment is not None  # the layer refuses a missing required file
    submissions = call.services.submissions
    upload = await submissions.start(
        call.place_id,
        call.account_id,
        call.invocation.text("kind"),
        attachment.size,
        call.limits.max_upload_bytes,
    )
    try:
        data = await asyncio.wait_for(
            attachment.read(), timeout=call.limits.download_timeout_seconds
        )
    except (OSError, TimeoutError) as exc:
        log.warning("could not read %s for account %s: %r", upload.kind, call.account_id, exc)
        raise InvalidInput(
            "I could not download your file, so nothing was stored. Please send `/submit` again."
        ) from exc
    receipt = await submissions.finish(upload, attachment.filename, data)
    return Answer(receipt_text(receipt, call.style), title=receipt_title(receipt))
