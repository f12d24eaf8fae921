"""What a file is called: a user's name cleaned of path parts and control characters, its
type, whether the server accepts it, and a free name where a folder has it already."""

from __future__ import annotations

import mimetypes
import posixpath
import re

from flask_uploads import extension
from sqlalchemy import select

from ..errors import UploadRefused
from ..extensions import db
from ..models import File
from . import settings
from .validation import clean_text

MIME_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
NAME_MAX = 255
COPY_RE = re.compile(r"^(.+) \((\d+)\)$")  # "foto (2)": a copy's stem and number


def clean_name(raw: str | None) -> str:
    """The user's file name without path parts or control characters, at most 255 characters."""
    name = clean_text(raw or "").replace("\\", "/")
    name = posixpath.basename(name).strip().strip(".") or "file"
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        _, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:  # keep a real extension, shorten the stem
            name = name[: NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:NAME_MAX]
    return name


def clean_type(declared: str | None, name: str) -> str:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream" and len(declared) <= 50 \
            and MIME_RE.match(declared):
        return declared
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed if guessed and len(guessed) <= 50 else "application/octet-stream"


def accepted_name(raw: str | None) -> str:
    """The cleaned name, if files of its type are accepted here (the blocked_extensions
    setting; its default: UPLOADED_FILES_DENY)."""
    name = clean_name(raw)
    if extension(name.lower()) in settings.current("blocked_extensions"):
        raise UploadRefused("Files of this type are not accepted here.", field="file")
    return name


def free_name(user_id: int, name: str, folder_id: int | None = None,
              exclude_id: int | None = None) -> str:
    """`name`, or the first of "name (2).ext", "name (3).ext"… that no file of the user in
    that folder has (docs/design.md: duplicate names keep both files, as Nextcloud does).

    Names compare exactly, in Python: the query's LIKE only narrows the candidates, and
    it finds a superset of them on every database (SQLite ignores ASCII case, MariaDB's
    collation case and accents), so the answer is the same on both."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    else:
        ext = "." + ext
    copy = COPY_RE.match(stem)
    base = copy.group(1) if copy else stem
    in_folder = File.folder_id.is_(None) if folder_id is None else File.folder_id == folder_id
    taken = set(db.session.scalars(select(File.name).where(
        File.user_id == user_id, in_folder, File.id != (exclude_id or 0),
        File.name.startswith(base, autoescape=True))))
    return name if name not in taken else numbered(base, taken, ext)


def numbered(base: str, taken: set[str], ext: str = "") -> str:
    """The first of "base (2)ext", "base (3)ext"… not in `taken`, within NAME_MAX."""
    number = 2
    while True:
        suffix = f" ({number}){ext}"
        candidate = base[: NAME_MAX - len(suffix)].rstrip() + suffix
        if candidate not in taken:
            return candidate
        number += 1
