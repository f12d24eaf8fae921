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
