"""Uploads through an upload link as the services see them (services.arrivals): checked
before any byte, placed below the link's folder, dropped once the link ends."""

from __future__ import annotations

import io

import pytest

from compartilha.errors import InvalidField, RequestEnded, TooLarge, UploadNotFound
from compartilha.extensions import db
from compartilha.models import FileRequest, Folder, Upload
from compartilha.models.columns import utcnow
from compartilha.services import arrivals, file_requests


def _begin(link: FileRequest, length: int = 3, name: str = "a.txt", path: str | None = None):
    return arrivals.begin(link, length, name, "text/plain", path, sender_name="Rui",
                          sender_email=None, client="192.0.2.1")


def test_an_arrival_is_recorded_with_its_provenance(ctx, user):
    link = file_requests.create(user.id, title="Docs")
    upload = _begin(link, path="x/y/relatório.pdf")
    result = arrivals.append(link, upload.token, 0, io.BytesIO(b"abc"), 3)
    record = result.file
    assert record is not None and record.request_id == link.id
    assert (record.sender_name, record.sender_ip, record.sent_name) == (
        "Rui", "192.0.2.1", "relatório.pdf")
    y = db.session.get(Folder, record.folder_id)
    x = db.session.get(Folder, y.parent_id)
    assert (x.name, y.name, x.parent_id) == ("x", "y", link.folder_id)
    assert arrivals.receipt(arrivals.finished(link, upload.token))["name"] == "relatório.pdf"
    db.session.refresh(link)
    assert (link.files_received, link.bytes_received) == (1, 3)


@pytest.mark.parametrize("path", ["../a.txt", "/etc/passwd", "x/../../a.txt", "a/./b.txt",
                                  "C:/a.txt", "x//a.txt", "x/"])
def test_path_tricks_are_refused_and_make_nothing(ctx, user, path):
    link = file_requests.create(user.id, title="Docs")
    folders = db.session.query(Folder).count()
    with pytest.raises(InvalidField):
        _begin(link, path=path)
    db.session.rollback()
    assert db.session.query(Upload).count() == 0
    assert db.session.query(Folder).count() == folders


def test_ended_or_over_the_limits_before_any_byte(ctx, user):
    link = file_requests.create(user.id, title="Docs", max_file_bytes=10)
    with pytest.raises(TooLarge):
        _begin(link, 11)
    link.revoked_at = utcnow()
    db.session.commit()
    with pytest.raises(RequestEnded):
        _begin(link)
    assert db.session.query(Upload).count() == 0


def test_an_ended_link_drops_its_unfinished_upload_at_the_next_request(ctx, user):
    link = file_requests.create(user.id, title="Docs")
    upload = _begin(link, 6)
    arrivals.append(link, upload.token, 0, io.BytesIO(b"abc"), 3)
    link.revoked_at = utcnow()
    db.session.commit()
    with pytest.raises(RequestEnded):
        arrivals.append(link, upload.token, 3, io.BytesIO(b"def"), 3)
    assert db.session.query(Upload).count() == 0
    with pytest.raises(UploadNotFound):
        arrivals.finished(link, upload.token)
