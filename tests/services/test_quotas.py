import io
import json
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compartilha.errors import QuotaExceeded, TooManyUnfinished
from compartilha.extensions import db
from compartilha.models import Setting, Upload
from compartilha.models.columns import utcnow
from compartilha.services import concatenation, quotas, tus
from compartilha.storage import get_storage
from tests.services.conftest import stored


def test_unfinished_uploads_are_bounded_in_number_and_bytes(user, ctx):
    ctx.config["UPLOAD_MAX_UNFINISHED"] = 2
    ctx.config["UPLOAD_MAX_UNFINISHED_BYTES"] = 100
    tus.create(user.id, 60, "a.bin", None)
    with pytest.raises(TooManyUnfinished):
        quotas.hold_unfinished(user.id, 41)  # 60 + 41 bytes declared
    tus.create(user.id, 40, "b.bin", None)
    with pytest.raises(TooManyUnfinished) as refused:
        tus.create(user.id, 0, "c.bin", None)  # a third one
    assert refused.value.headers["Retry-After"] == "60"


# Storage quotas: what counts, where it is checked.


def _quota(user, quota_bytes=None, quota_files=None):
    user.quota_bytes, user.quota_files = quota_bytes, quota_files
    db.session.commit()


def _setting(key, value):
    db.session.merge(Setting(key=key, value=json.dumps(value)))
    db.session.commit()


def _staged() -> list:
    """Every file of a local storage (stored or staged); S3 has no folder to look in."""
    root = getattr(get_storage(), "root", None)
    return [] if root is None else sorted(p for p in root.rglob("*") if p.is_file())


def test_usage_counts_files_and_live_unfinished_uploads(user, ctx):
    stored(user.id, b"x" * 10)
    tus.create(user.id, 100, "a.bin", None)
    tus.create(user.id, 7, "p", None, partial=True)  # bytes, but no file of its own
    now = quotas.usage(user.id)
    assert (now.used_bytes, now.used_files) == (117, 2)
    assert (now.quota_bytes, now.quota_files) == (None, None)
    db.session.execute(sa.update(Upload).values(expires_at=utcnow() - timedelta(minutes=1))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    assert (quotas.usage(user.id).used_bytes, quotas.usage(user.id).used_files) == (10, 1)


def test_the_default_from_the_settings_applies_at_once_and_the_own_quota_wins(user, ctx):
    assert quotas.usage(user.id).quota_bytes is None
    _setting("default_quota_bytes", 1000)
    _setting("default_quota_files", 3)
    now = quotas.usage(user.id)
    assert (now.quota_bytes, now.quota_files, now.room_bytes) == (1000, 3, 1000)
    _quota(user, 50, 9)
    assert (quotas.usage(user.id).quota_bytes, quotas.usage(user.id).quota_files) == (50, 9)
    with pytest.raises(QuotaExceeded):
        stored(user.id, b"y" * 51)


def test_a_file_over_the_quota_leaves_no_row_and_no_bytes(user, ctx, caplog):
    _quota(user, 100)
    stored(user.id, b"a" * 60)
    before = _staged()
    with caplog.at_level(logging.INFO, "compartilha"), pytest.raises(QuotaExceeded) as refused:
        stored(user.id, b"b" * 41, "b.txt")
    assert refused.value.status == 413 and refused.value.code == "quota_exceeded"
    assert refused.value.message == "Storage quota exceeded: 60 B of 100 B used."
    assert quotas.usage(user.id).used_files == 1
    assert _staged() == before
    fields = [r.fields for r in caplog.records if r.getMessage() == "quota.refused"]
    assert fields == [{"user_id": user.id, "way": "multipart", "size": 41}]
    stored(user.id, b"c" * 40, "c.txt")  # exactly full
    with pytest.raises(QuotaExceeded):
        stored(user.id, b"", "empty.txt")  # a full account takes nothing


def test_quota_zero_refuses_everything(user, ctx):
    _quota(user, 0)
    with pytest.raises(QuotaExceeded):
        stored(user.id, b"")
    with pytest.raises(QuotaExceeded):
        tus.create(user.id, 0, "a.bin", None)
    with pytest.raises(QuotaExceeded):
        quotas.room_for(user.id, way="multipart")
    _quota(user, None, 0)
    with pytest.raises(QuotaExceeded) as refused:
        stored(user.id, b"x")
    assert refused.value.files and "0 of 0 files" in refused.value.message


def test_file_count_quota(user, ctx):
    _quota(user, None, 2)
    stored(user.id, b"1", "1.txt")
    tus.create(user.id, 5, "2.bin", None)  # an unfinished upload is a file to come
    with pytest.raises(QuotaExceeded):
        stored(user.id, b"3", "3.txt")
    with pytest.raises(QuotaExceeded):
        tus.create(user.id, 5, "3.bin", None)


def test_tus_reserves_its_declared_length_and_is_not_refused_when_it_ends(user, ctx):
    _quota(user, 100)
    upload = tus.create(user.id, 80, "a.bin", None)
    with pytest.raises(QuotaExceeded) as refused:
        tus.create(user.id, 21, "b.bin", None)
    assert "80 B of 100 B" in refused.value.message
    with pytest.raises(QuotaExceeded):
        stored(user.id, b"z" * 21)  # the reservation counts against multipart too
    done = tus.append(user.id, upload.token, 0, io.BytesIO(b"q" * 80), 80)
    assert done.file is not None and done.file.size == 80
    now = quotas.usage(user.id)
    assert (now.used_bytes, now.used_files) == (80, 1)  # counted once
    tus.create(user.id, 20, "c.bin", None)


def test_a_lowered_quota_refuses_the_final_upload_of_partials(user, ctx):
    parts = []
    for data in (b"a" * 30, b"b" * 30):
        part = tus.create(user.id, len(data), None, None, partial=True)
        tus.append(user.id, part.token, 0, io.BytesIO(data), len(data))
        parts.append(part.token)
    _quota(user, 60, 1)  # the partials' 60 bytes are replaced by the final's
    _, record = concatenation.join(user.id, parts, "whole.bin", None)
    assert record.size == 60
    _quota(user, 120)
    parts = []
    for data in (b"c" * 30, b"d" * 30):
        part = tus.create(user.id, len(data), None, None, partial=True)
        tus.append(user.id, part.token, 0, io.BytesIO(data), len(data))
        parts.append(part.token)
    _quota(user, 110)
    with pytest.raises(QuotaExceeded):
        concatenation.join(user.id, parts, "again.bin", None)
    assert quotas.usage(user.id).used_files == 1  # the partials are given back


def test_room_for_a_multipart_body(user, ctx):
    assert quotas.room_for(user.id, way="multipart").room_bytes is None
    _quota(user, 100)
    stored(user.id, b"a" * 30)
    assert quotas.room_for(user.id, way="multipart").room_bytes == 70
    error = quotas.over_room(user.id, quotas.usage(user.id), 71, way="link")
    assert error.visitor and error.message == "The recipient's storage is full."
