import pytest

from compartilha.errors import InvalidField
from compartilha.services import folder_paths, folders

pytestmark = pytest.mark.both_storages  # local folder and S3 (TEST_STORAGES=all)


@pytest.mark.parametrize("path", ["../a.txt", "a/../../b.txt", "/etc/passwd", "a//b.txt",
                                  "./a.txt", "a/./b.txt", "C:/x.txt", "", "a/", "\\\\srv\\x"])
def test_split_path_refuses_traversal(path):
    with pytest.raises(InvalidField):
        folder_paths.split_path(path)


def test_ensure_path_reuses_and_creates(user):
    x = folders.create(user.id, "x")
    made = folder_paths.ensure_path(user.id, None, ["x", "y", "z"])
    again = folder_paths.ensure_path(user.id, None, ["x", "y", "z"])
    assert made == again
    z = folders.get_owned(user.id, made)
    assert [f.name for f in folders.breadcrumbs(z)] == ["x", "y", "z"]
    assert folders.breadcrumbs(z)[0].id == x.id
    assert folder_paths.destination(user.id, x.id, "y/z/f.txt", "ignored") == (made, "f.txt")
    assert folder_paths.destination(user.id, x.id, None, "n.txt") == (x.id, "n.txt")
