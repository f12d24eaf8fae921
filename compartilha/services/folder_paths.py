"""Where an upload goes: a folder, and below it the folders of the file's relative path
(`x/y/z.txt`, as a browser's `webkitRelativePath`), made where missing, once each even
when several uploads of the same new folder arrive at once (docs/folders.md)."""

from __future__ import annotations

from sqlalchemy import select, update

from ..errors import InvalidField
from ..extensions import db
from ..models import User
from ..models.folders import Folder
from . import file_names
from .folders import clean_name, owned_or_root
from .validation import clean_text

PATH_DEPTH_MAX = 32  # folders in one uploaded relative path


def split_path(raw: str) -> tuple[list[str], str]:
    """A relative path as a browser gives it ("x/y/z.txt"): the folder names and the file
    name. Absolute paths, `..`, `.` and empty segments are refused (422 `invalid_path`)."""
    text = clean_text(raw or "").replace("\\", "/")
    parts = text.split("/")
    if not text or text.startswith("/") or len(parts) > PATH_DEPTH_MAX + 1 \
            or any(part.strip() in ("", ".", "..") for part in parts) or ":" in parts[0]:
        raise InvalidField("The path must be relative, without `..` or empty parts.",
                           field="path")
    return [clean_name(part) for part in parts[:-1]], parts[-1]


def _lock_user(user_id: int) -> None:
    """Hold the user's row until the commit: folders made from uploaded paths are looked
    up and created one request at a time, so two uploads into "x/" make one "x". An
    UPDATE is the lock that both SQLite (the write lock) and MariaDB (the row) take."""
    db.session.commit()  # no read snapshot held while waiting (SQLite)
    db.session.execute(update(User).where(User.id == user_id).values(name=User.name)
                       .execution_options(synchronize_session=False))


def ensure_path(user_id: int, folder_id: int | None, names: list[str]) -> int | None:
    """The folder at `names` below `folder_id` (None: the root), made where missing; an
    existing folder of exactly that name is used (the oldest, if there are two)."""
    parent = owned_or_root(user_id, folder_id, field="folder_id")
    if not names:
        return parent
    _lock_user(user_id)
    try:
        for name in names:
            parent_cond = Folder.parent_id.is_(None) if parent is None \
                else Folder.parent_id == parent
            found = [f for f in db.session.scalars(select(Folder).where(
                Folder.user_id == user_id, parent_cond).order_by(Folder.id))
                     if f.name == name]
            if found:
                parent = found[0].id
                continue
            folder = Folder(name=name, user_id=user_id, parent_id=parent)
            db.session.add(folder)
            db.session.flush()
            parent = folder.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return parent


def destination(user_id: int, folder_id: int | None, path: str | None,
                name: str | None) -> tuple[int | None, str | None]:
    """Where an upload goes: (folder id, file name). With a `path` its folders are made
    below `folder_id` and its last part is the name; without, `name` as sent."""
    if path is None or path == "":
        return owned_or_root(user_id, folder_id, field="folder_id"), name
    names, file_name = split_path(path)
    file_names.accepted_name(file_name)  # a refused file makes no folders
    return ensure_path(user_id, folder_id, names), file_name
