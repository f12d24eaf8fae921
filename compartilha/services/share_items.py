"""What a link to several things holds: its items (files and live folders) chosen by their
owner, and the files and folders a visitor may reach through it, never above a shared
folder (docs/shares.md).

A folder inside a link is found by climbing from it to the root: it is in the link when a
folder on the way is one of the link's items, so ids, not paths, travel in URLs and nothing
in one can climb out.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import InvalidField, ShareEmpty, ShareItemNotFound
from ..extensions import db
from ..models import File, Folder, Share, ShareItem
from ..storage import get_storage
from . import files, folders

MAX_ITEMS = 100  # files, and folders, chosen for one link (a folder counts one, whatever it holds)
DEPTH_MAX = 256  # folders climbed at most, should a cycle ever reach the table
CRC_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One entry of a link's page: a file or a folder (its size: all it holds, now)."""

    kind: str  # "file" | "folder"
    id: int
    name: str
    size: int
    type: str | None  # a file's media type


def choose(user_id: int, file_ids: list[int], folder_ids: list[int]) -> list[ShareItem]:
    """The items of a link, not yet added: the owner's own files and folders, each once,
    at least one, at most MAX_ITEMS files and MAX_ITEMS folders (limits the API's schema
    can state); folders first, then files, each in the order given."""
    if len(set(file_ids)) != len(file_ids):
        raise InvalidField("Choose each file once.", field="file_ids")
    if len(set(folder_ids)) != len(folder_ids):
        raise InvalidField("Choose each folder once.", field="folder_ids")
    if not file_ids and not folder_ids:
        raise InvalidField("Choose at least one file or folder.", field="file_ids")
    for field, ids in (("file_ids", file_ids), ("folder_ids", folder_ids)):
        if len(ids) > MAX_ITEMS:
            raise InvalidField("A link can hold at most %(max)d files and %(max)d folders.",
                               field=field, params={"max": MAX_ITEMS})
    for folder_id in folder_ids:
        folders.get_owned(user_id, folder_id)
    for file_id in file_ids:
        files.get_owned(user_id, file_id)
    chosen = [ShareItem(folder_id=folder_id) for folder_id in folder_ids]
    chosen += [ShareItem(file_id=file_id) for file_id in file_ids]
    for position, item in enumerate(chosen):
        item.position = position
    return chosen


def one_file(file_ids: list[int] | None, folder_ids: list[int] | None) -> int | None:
    """`POST /shares` with one file and nothing else makes a one-file link, as
    `POST /files/{id}/shares` does (and as it did before links to several things)."""
    if file_ids is not None and len(file_ids) == 1 and not folder_ids:
        return file_ids[0]
    return None


def replaced(share: Share, file_ids: list[int] | None,
             folder_ids: list[int] | None) -> tuple[int | None, list[ShareItem]]:
    """(file_id, items) of a link after an edit of its items; a list not given (None) stays
    as it is. One file and nothing else: a one-file link, as at creation."""
    if file_ids is None:
        file_ids = ([share.file_id] if share.file_id is not None else
                    [item.file_id for item in share.items if item.file_id is not None])
    if folder_ids is None:
        folder_ids = [item.folder_id for item in share.items if item.folder_id is not None]
    file_id = one_file(file_ids, folder_ids)
    if file_id is not None:
        files.get_owned(share.user_id, file_id)
        return file_id, []
    return None, choose(share.user_id, file_ids, folder_ids)


def put(share: Share, file_id: int | None, chosen: list[ShareItem]) -> None:
    """Give the link its new items (or its one file), replacing the old rows."""
    share.items.clear()
    db.session.flush()  # the old rows go before the new ones come
    share.file_id = file_id
    share.items.extend(chosen)
    db.session.flush()
    db.session.expire(share, ["file"])


def _shared_folders(share: Share) -> set[int]:
    return {item.folder_id for item in share.items if item.folder_id is not None}


def _chain(share: Share, folder_id: int | None) -> list[Folder] | None:
    """The folders from one of the link's folders down to `folder_id`, or None when it is
    not inside one of them (or not the owner's)."""
    shared, chain = _shared_folders(share), []
    for _ in range(DEPTH_MAX):
        if folder_id is None:
            return None
        folder = db.session.get(Folder, folder_id)
        if folder is None or folder.user_id != share.user_id:
            return None
        chain.append(folder)
        if folder.id in shared:
            return chain[::-1]
        folder_id = folder.parent_id
    return None


def folder_in(share: Share, folder_id: int) -> list[Folder]:
    """A folder reached through the link: the path to it from the shared folder it is in
    (its last element is the folder); ShareItemNotFound for any other id."""
    chain = _chain(share, folder_id)
    if chain is None:
        raise ShareItemNotFound()
    return chain


def file_in(share: Share, file_id: int) -> File:
    """A file of the link: one of its items, or in one of its folders (as they are now)."""
    if share.file is not None:
        if share.file.id != file_id:
            raise ShareItemNotFound()
        return share.file
    record = db.session.get(File, file_id)
    if record is None or record.user_id != share.user_id:
        raise ShareItemNotFound()
    if any(item.file_id == file_id for item in share.items):
        return record
    if _chain(share, record.folder_id) is None:
        raise ShareItemNotFound()
    return record


def walk(folder: Folder) -> Iterator[tuple[str, File | None]]:
    """Everything under `folder`, with its path relative to it: its folders first
    ("sub/", None; services.folders.subtree's order), then its files (services.folders.walk:
    depth-first, each level's files by (name, id) before its subfolders')."""
    for path, _ in folders.subtree(folder)[1:]:
        yield f"{path}/", None
    yield from folders.walk(folder)


def members(share: Share) -> list[tuple[str, File | None]]:
    """Everything the link holds now, as the ZIP lays it out: (path, file), a folder as
    ("name/", None); its items at the top level in the owner's order. 410 when nothing is
    left (every item deleted)."""
    if share.file is not None:
        return [(share.file.name, share.file)]
    if not share.items:
        raise ShareEmpty()
    found: list[tuple[str, File | None]] = []
    for item in share.items:
        if item.file_id is not None:
            record = db.session.get(File, item.file_id)
            if record is not None:
                found.append((record.name, record))
            continue
        folder = db.session.get(Folder, item.folder_id)
        if folder is not None:
            found.append((f"{folder.name}/", None))
            found += [(f"{folder.name}/{path}", record) for path, record in walk(folder)]
    return found


def size_of(folder: Folder) -> int:
    return sum(record.size for _, record in folders.walk(folder))


def top(share: Share) -> list[Item]:
    """The link's items, in the owner's order, with their sizes as they are now."""
    if share.file is not None:
        return [_file_item(share.file)]
    if not share.items:
        raise ShareEmpty()
    found = []
    for item in share.items:
        if item.file_id is not None:
            record = db.session.get(File, item.file_id)
            if record is not None:
                found.append(_file_item(record))
        else:
            folder = db.session.get(Folder, item.folder_id)
            if folder is not None:
                found.append(_folder_item(folder))
    return found


def level(folder: Folder) -> list[Item]:
    """A folder's content as page items: subfolders first, then files."""
    subfolders, contents = folders.children(folder.user_id, folder.id)
    return [_folder_item(sub) for sub in subfolders] + [_file_item(r) for r in contents]


def _file_item(record: File) -> Item:
    return Item("file", record.id, record.name, record.size, record.type)


def _folder_item(folder: Folder) -> Item:
    return Item("folder", folder.id, folder.name, size_of(folder), None)


def total_size(share: Share) -> int:
    return sum(record.size for _, record in members(share) if record is not None)


def with_crc32(records: list[File]) -> list[File]:
    """Each file with its CRC-32; one uploaded before it was computed at upload gets it now,
    read once from storage and stored, so no later ZIP reads it again."""
    missing = [record for record in records if record.crc32 is None]
    for record in missing:
        crc = 0
        with get_storage().open(record.key) as handle:
            while chunk := handle.read(CRC_CHUNK):
                crc = zlib.crc32(chunk, crc)
        record.crc32 = crc & 0xFFFFFFFF
    if missing:
        db.session.commit()
    return records


def top_or_empty(share: Share) -> list[Item]:
    try:
        return top(share)
    except ShareEmpty:
        return []



def describe(user_id: int, file_ids: list[int], folder_ids: list[int]) -> list[Item]:
    """A selection about to be shared, as page items (checked as `choose` checks it)."""
    chosen = choose(user_id, file_ids, folder_ids)
    found = []
    for item in chosen:
        if item.file_id is not None:
            found.append(_file_item(db.session.get(File, item.file_id)))  # type: ignore[arg-type]
        else:
            found.append(_folder_item(db.session.get(Folder, item.folder_id)))  # type: ignore[arg-type]
    return found
