"""A link's "download all": the deterministic ZIP (compartilha.zipstream) of what it holds
now, its items at the top level (folders as folders)."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Response

from ..http.archive_sending import send_archive
from ..models import File, Share
from ..services import share_items
from ..storage import get_storage
from ..zipstream import Archive, Entry, build_archive


def layout(share: Share, *, exact: bool = True,
           found: list[tuple[str, File | None]] | None = None) -> Archive:
    """The ZIP's layout (of `found`, the link's `share_items.members` if already listed).
    `exact`: with every CRC-32 (one missing, an old file's, is computed once and stored);
    without, the same size (a CRC changes no length), for the page's "Download all (ZIP,
    1.2 GB)" without reading a byte."""
    found = share_items.members(share) if found is None else found
    if exact:
        share_items.with_crc32([record for _, record in found if record is not None])
    return build_archive([
        Entry(path, 0, 0, "") if record is None else
        Entry(path, record.size, record.crc32 or 0, record.key) for path, record in found])


def filename(share: Share) -> str:
    return f"{share.label or 'compartilha'}.zip"


def sender(share: Share) -> Callable[[Callable[[int, bool], None] | None], Response]:
    """What sends the ZIP, given the callback that counts it (http.share_sending)."""
    archive, name = layout(share), filename(share)
    return lambda on_close: send_archive(archive, get_storage(), name, on_close)
