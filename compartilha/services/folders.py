"""Folders: one owner's tree of folders holding files (docs/folders.md).

Names are unique among siblings: a taken name becomes "name (2)", as a file's does. The
tree has no cycles (a folder never moves into itself or below itself). Deleting a folder
deletes everything under it, rows first and then the bytes, as `files.delete` does.
Uploads with a relative path make their folders in `folder_paths`.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select

from ..errors import FolderCycle, FolderNotFound, InvalidField
from ..extensions import db
from ..logs import event
from ..models import File, Upload
from ..models.folders import Folder
from . import file_names, files, upload_endings
from .validation import clean_text

NAME_MAX = 255
UNSET = object()  # a PATCH field left out (None means the root)


def clean_name(raw: str | None) -> str:
    """A folder's name: like a file's (no control characters, spaces folded), but a name
    with a slash, or only dots, is refused rather than cut."""
    name = " ".join(clean_text(raw or "").split())
    if not name or set(name) == {"."}:
        raise InvalidField("Give the folder a name.", field="name")
    if "/" in name or "\\" in name:
        raise InvalidField("A folder's name cannot contain / or \\.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidField("At most %(max)d characters.", field="name", params={"max": NAME_MAX})
    return name


def get_owned(user_id: int, folder_id: int) -> Folder:
    """The user's folder; another user's folder is reported exactly like a missing one."""
    folder = db.session.get(Folder, folder_id)
    if folder is None or folder.user_id != user_id:
        raise FolderNotFound()
    return folder


def owned_or_root(user_id: int, parent_id: int | None, field: str = "parent_id") -> int | None:
    """`parent_id` if it is the user's folder (404 `folder_not_found` naming `field`
    otherwise); None, the root, stays None."""
    if parent_id is None:
        return None
    try:
        return get_owned(user_id, parent_id).id
    except FolderNotFound as exc:
        raise FolderNotFound(field=field) from exc


def free_name(user_id: int, parent_id: int | None, name: str,
              exclude_id: int | None = None) -> str:
    """`name`, or "name (2)", "name (3)"… if a sibling folder has it (compared exactly,
    in Python: MariaDB's collation would call "Fotos" and "fotos" equal)."""
    taken = set(db.session.scalars(select(Folder.name).where(
        Folder.user_id == user_id, Folder.parent_id.is_(parent_id) if parent_id is None
        else Folder.parent_id == parent_id, Folder.id != (exclude_id or 0))))
    return name if name not in taken else file_names.numbered(name, taken)


def create(user_id: int, name: str | None, parent_id: int | None = None) -> Folder:
    clean = clean_name(name)
    parent = owned_or_root(user_id, parent_id)
    folder = Folder(name=free_name(user_id, parent, clean), user_id=user_id, parent_id=parent)
    db.session.add(folder)
    db.session.commit()
    return folder


def _ancestors(folder_id: int | None) -> Iterator[Folder]:
    """The folder and each folder above it, up to the root."""
    seen: set[int] = set()
    while folder_id is not None and folder_id not in seen:
        seen.add(folder_id)
        folder = db.session.get(Folder, folder_id)
        if folder is None:
            return
        yield folder
        folder_id = folder.parent_id


def breadcrumbs(folder: Folder | None) -> list[Folder]:
    """The path to `folder` from the root: its ancestors, the outermost first, and itself."""
    return list(reversed(list(_ancestors(folder.id)))) if folder is not None else []


def change(user_id: int, folder_id: int, name: object = UNSET,
           parent_id: object = UNSET) -> Folder:
    """Rename and/or move a folder (parent None: to the root). Moving it into itself or
    into a folder below it is refused (422 `folder_cycle`)."""
    folder = get_owned(user_id, folder_id)
    target = folder.parent_id
    if parent_id is not UNSET:
        target = owned_or_root(user_id, parent_id)  # type: ignore[arg-type]
        if any(above.id == folder.id for above in _ancestors(target)):
            raise FolderCycle(field="parent_id")
    clean = clean_name(name) if name is not UNSET else folder.name  # type: ignore[arg-type]
    if (clean, target) != (folder.name, folder.parent_id):
        folder.name = free_name(user_id, target, clean, exclude_id=folder.id)
        folder.parent_id = target
    db.session.commit()
    return folder


def children(user_id: int, folder_id: int | None) -> tuple[list[Folder], list[File]]:
    """One level of a folder (None: the root): its folders and its files, by name."""
    where_folder = Folder.parent_id.is_(None) if folder_id is None \
        else Folder.parent_id == folder_id
    where_file = File.folder_id.is_(None) if folder_id is None else File.folder_id == folder_id
    folders = list(db.session.scalars(select(Folder).where(Folder.user_id == user_id,
                                                           where_folder)))
    found = list(db.session.scalars(select(File).where(File.user_id == user_id, where_file)))
    folders.sort(key=lambda f: (f.name, f.id))
    found.sort(key=lambda f: (f.name, f.id))
    return folders, found


def _tree(user_id: int) -> dict[int | None, list[Folder]]:
    """Every folder of the user, by parent: one query for a whole walk."""
    below: dict[int | None, list[Folder]] = {}
    for folder in db.session.scalars(select(Folder).where(Folder.user_id == user_id)):
        below.setdefault(folder.parent_id, []).append(folder)
    for siblings in below.values():
        siblings.sort(key=lambda f: (f.name, f.id))
    return below


def subtree(folder: Folder) -> list[tuple[str, Folder]]:
    """`folder` and every folder below it, depth-first, each with its path relative to
    `folder` ("" for itself, "a/b" below), sorted by (name, id) at each level."""
    below, out = _tree(folder.user_id), []
    todo: list[tuple[str, Folder]] = [("", folder)]
    while todo:
        path, current = todo.pop()
        out.append((path, current))
        for child in reversed(below.get(current.id, [])):
            todo.append((f"{path}{child.name}" if not path else f"{path}/{child.name}", child))
    return out


def paths(user_id: int) -> list[tuple[str, Folder]]:
    """Every folder of the user with its path from the root ("a/b"), in tree order."""
    below, out = _tree(user_id), []
    todo: list[tuple[str, Folder]] = [(f.name, f) for f in reversed(below.get(None, []))]
    while todo:
        path, current = todo.pop()
        out.append((path, current))
        todo += [(f"{path}/{child.name}", child) for child in reversed(below.get(current.id, []))]
    return out


def contents(user_id: int) -> dict[int, tuple[int, int]]:
    """How many files and folders each of the user's folders holds, at every depth."""
    below = _tree(user_id)
    held = dict(db.session.execute(select(File.folder_id, func.count(File.id)).where(
        File.user_id == user_id, File.folder_id.is_not(None)).group_by(File.folder_id)).all())
    counts: dict[int, tuple[int, int]] = {}
    for _, folder in reversed(paths(user_id)):  # the deepest first
        kids = below.get(folder.id, [])
        counts[folder.id] = (held.get(folder.id, 0) + sum(counts[k.id][0] for k in kids),
                             len(kids) + sum(counts[k.id][1] for k in kids))
    return counts


def walk(folder: Folder) -> Iterator[tuple[str, File]]:
    """Every file under `folder` with its path relative to it ("sub/a.txt"): depth-first,
    at each level the files first and then the subfolders, both by (name, id)."""
    folders = subtree(folder)
    by_folder: dict[int, list[File]] = {}
    ids = [f.id for _, f in folders]
    for start in range(0, len(ids), 500):
        for record in db.session.scalars(select(File).where(
                File.folder_id.in_(ids[start:start + 500]))):
            by_folder.setdefault(record.folder_id or 0, []).append(record)
    for path, current in folders:
        for record in sorted(by_folder.get(current.id, []), key=lambda r: (r.name, r.id)):
            yield (f"{path}/{record.name}" if path else record.name), record


def delete(user_id: int, folder_id: int) -> None:
    """Delete a folder, its subfolders and their files (rows, links, then bytes)."""
    folder = get_owned(user_id, folder_id)
    levels = subtree(folder)
    ids = [f.id for _, f in levels]
    keys: list[str] = []
    handles: list[str] = []  # unfinished uploads into them go too (their rows cascade)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        keys += db.session.scalars(select(File.key).where(File.folder_id.in_(chunk)))
        handles += db.session.scalars(select(Upload.handle).where(Upload.folder_id.in_(chunk)))
        db.session.execute(sql_delete(File).where(File.folder_id.in_(chunk))
                           .execution_options(synchronize_session=False))
    # Deepest first, one row at a time: InnoDB stops cascading after 15 levels.
    for _, current in sorted(levels, key=lambda item: -item[0].count("/") - bool(item[0])):
        db.session.execute(sql_delete(Folder).where(Folder.id == current.id)
                           .execution_options(synchronize_session=False))
    gone = set(ids)
    for obj in list(db.session.identity_map.values()):  # rows deleted under the ORM
        if isinstance(obj, Folder) and obj.id in gone or \
                isinstance(obj, File) and obj.folder_id in gone:
            db.session.expunge(obj)
    db.session.commit()
    event("folder.deleted", user_id=user_id, folder_id=folder_id, files=len(keys))
    files.delete_bytes(keys)
    upload_endings.abort_all(handles)
