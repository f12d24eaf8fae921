import zlib

import pytest
from sqlalchemy import select, update

from compartilha.extensions import db
from compartilha.models import File
from compartilha.services import files, integrity
from compartilha.storage import get_storage
from tests.services.conftest import stored


def test_a_row_without_its_bytes_is_found_and_repaired(user):
    kept, lost = stored(user.id, b"a"), stored(user.id, b"b")
    assert integrity.check(verify_hashes=True).clean
    get_storage().delete(lost.key)
    report = integrity.check()
    assert report.rows_without_bytes == [(lost.id, lost.key)]
    integrity.repair(report)
    assert files.keys_of(user.id) == [kept.key] and integrity.check().clean


@pytest.mark.both_storages
def test_crc32_backfill_fills_files_without_one_in_batches_and_resumes(user):
    data = [b"um", b"dois" * 1000, b""]
    records = [stored(user.id, d, f"{i}.bin") for i, d in enumerate(data)]
    broken = stored(user.id, b"gone", "gone.bin")
    get_storage().delete(broken.key)
    db.session.execute(update(File).values(crc32=None))
    db.session.execute(update(File).where(File.id == records[0].id).values(crc32=123))
    db.session.commit()
    seen = []
    report = integrity.fill_crc32(batch=1, progress=seen.append)
    assert report.filled == 2 and report.skipped == [(broken.id, broken.key)]
    assert seen == [1, 2, 2]  # committed batch by batch
    crcs = dict(db.session.execute(select(File.id, File.crc32)).all())
    assert [crcs[r.id] for r in records] == [123, zlib.crc32(data[1]), zlib.crc32(b"")]
    assert integrity.fill_crc32().filled == 0  # a second run finds nothing left to do

