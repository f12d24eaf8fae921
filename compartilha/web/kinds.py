"""A file's kind in words ("PDF document", "PNG image") for people; programs keep the MIME
type. One table for the owner's and the public pages, and for the script that adds rows."""

from __future__ import annotations

import re

from flask_babel import gettext as _

_FORMAT = re.compile(r"[a-z0-9]{2,5}")
# Subtypes whose everyday name is not the subtype itself.
_FORMAT_NAMES = {"mpeg": "MP3", "x-wav": "WAV", "wave": "WAV", "x-m4a": "M4A", "quicktime": "MOV",
                 "svg+xml": "SVG", "x-matroska": "MKV", "x-msvideo": "AVI"}


def _exact() -> dict[str, str]:
    word = _("Word document")
    sheet = _("Spreadsheet")
    slides = _("Presentation")
    archive = _("Compressed archive")
    return {
        "application/pdf": _("PDF document"), "application/zip": _("ZIP archive"),
        "application/x-zip-compressed": _("ZIP archive"), "text/plain": _("Text file"),
        "text/csv": _("CSV spreadsheet"), "application/json": _("JSON file"),
        "text/html": _("Web page"), "application/msword": word,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": word,
        "application/vnd.oasis.opendocument.text": word,
        "application/vnd.ms-excel": sheet, "application/vnd.oasis.opendocument.spreadsheet": sheet,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": sheet,
        "application/vnd.ms-powerpoint": slides,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": slides,
        "application/gzip": archive, "application/x-tar": archive,
        "application/x-7z-compressed": archive, "application/vnd.rar": archive,
        "application/x-rar-compressed": archive,
    }


def _families() -> dict[str, tuple[str, str]]:
    """Per top-level type: the kind with its format named, and without."""
    return {"image": (_("%(format)s image"), _("Image")),
            "video": (_("%(format)s video"), _("Video")),
            "audio": (_("%(format)s audio"), _("Audio")),
            "text": (_("Text file"), _("Text file"))}


def _format(subtype: str) -> str | None:
    if subtype in _FORMAT_NAMES:
        return _FORMAT_NAMES[subtype]
    return subtype.upper() if _FORMAT.fullmatch(subtype) else None


def kind_of(mime: str | None) -> str:
    """"PDF document", "PNG image", "Text file"…, or "File" when the type says nothing."""
    mime = (mime or "").split(";")[0].strip().lower()
    exact = _exact()
    if mime in exact:
        return exact[mime]
    family, _slash, subtype = mime.partition("/")
    if family in _families():
        named, plain = _families()[family]
        name = _format(subtype)
        return named % {"format": name} if name and "%(format)s" in named else plain
    return _("File")


def kind_table() -> dict[str, object]:
    """What `static/js/kinds.js` needs to name a type the same way, in this language."""
    return {"exact": _exact(), "families": {k: list(v) for k, v in _families().items()},
            "names": _FORMAT_NAMES, "file": _("File")}
