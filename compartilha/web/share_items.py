"""The public side of a link to several things: its page (the items, folder navigation
inside the link), and what each of its download URLs sends (one file, or the ZIP)."""

from __future__ import annotations

from flask import render_template, url_for
from werkzeug.wrappers import Response

from ..errors import ShareItemNotFound
from ..http.converters import ID_MAX
from ..http.sending import can_preview
from ..http.share_sending import (
    send_share,
    send_share_archive,
    send_ticket,
    send_ticket_archive,
)
from ..models import Access, File, Share, User
from ..services import share_items, shares
from ..services.counting import Target
from . import archives


def target(share: Share, asked: Target) -> Target:
    """What a download URL sends: `/download` the file of a one-file link, the ZIP of a
    link to several things; a file id only if the link holds that file now (404 if not)."""
    if asked is None and share.file is None:
        return "zip"
    if isinstance(asked, int):
        share_items.file_in(share, asked)
    return asked


def member(share: Share, file_id: int) -> File:
    return share_items.file_in(share, file_id)


def _record(share: Share, which: Target) -> File | None:
    return share_items.file_in(share, which) if isinstance(which, int) else None


def size(share: Share, which: Target) -> int:
    """The bytes a complete download of `which` sends."""
    if which == "zip":
        return archives.layout(share, exact=False).size
    record = _record(share, which) or share.file
    return record.size if record is not None else 0


def url(share: Share, which: Target) -> str:
    if which == "zip":
        return url_for("web.share_zip", token=share.token)
    if isinstance(which, int):
        return url_for("web.share_file", token=share.token, file_id=which)
    return url_for("web.share_download", token=share.token)


def send(share: Share, which: Target, viewer: User | None) -> Response:
    """A download of a link without a limit (or a HEAD), counted when complete."""
    if which == "zip":
        return send_share_archive(share, viewer, archives.sender(share))
    return send_share(share, viewer, _record(share, which))


def send_by_ticket(share: Share, access: Access, which: Target) -> Response:
    if which == "zip":
        return send_ticket_archive(share, access, archives.sender(share))
    return send_ticket(share, access, _record(share, which))


def folder_id(raw: str | None) -> int | None:
    """The `folder` of the page's query: digits only (no sign, no space, no path), an id;
    anything else is no folder of this link (404)."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= ID_MAX:
        raise ShareItemNotFound()
    return int(raw)


def page(share: Share, raw_folder: str | None) -> str:
    """The page of a link to several things: its items, or one folder inside it."""
    chain = []
    asked = folder_id(raw_folder)
    if asked is not None:
        chain = share_items.folder_in(share, asked)
        listed = share_items.level(chain[-1])
    else:
        listed = share_items.top(share)
    previews = share.max_downloads is None
    found = share_items.members(share)  # listed once for the total and the ZIP's size
    return render_template(
        "transfer.html", share=share, state=shares.state(share), items=listed, chain=chain,
        name=share.label, total=sum(record.size for _, record in found if record is not None),
        zip_size=archives.layout(share, exact=False, found=found).size,
        zip_url=url(share, "zip"),
        previewable=lambda item: previews and item.kind == "file" and can_preview(
            File(type=item.type or "")))
