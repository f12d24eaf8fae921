import pytest

from compartilha.errors import FolderCycle, FolderNotFound, InvalidField
from compartilha.models import File, Folder
from compartilha.services import accounts, folders
from compartilha.storage import get_storage

from .conftest import PASSWORD


def put(user_id, folder, name="a.txt", data=b"hello"):
    """A file stored into `folder` (a Folder or None)."""
    writer = get_storage().writer()
    writer.write(data)
    from compartilha.services import files

    return files.store(user_id, name, "text/plain", writer, folder.id if folder else None)


def test_create_nested_and_children_sorted(user):
    docs = folders.create(user.id, "Docs")
    folders.create(user.id, "b", docs.id)
    folders.create(user.id, "A", docs.id)
    put(user.id, docs, "z.txt")
    put(user.id, docs, "m.txt")
    found, held = folders.children(user.id, docs.id)
    assert [f.name for f in found] == ["A", "b"]
    assert [f.name for f in held] == ["m.txt", "z.txt"]
    root_folders, root_files = folders.children(user.id, None)
    assert [f.name for f in root_folders] == ["Docs"] and root_files == []


@pytest.mark.parametrize("name", ["", "   ", "..", ".", "a/b", "a\\b", "x" * 256, "\x00\x01"])
def test_bad_names_are_refused(user, name):
    with pytest.raises(InvalidField):
        folders.create(user.id, name)


def test_name_is_cleaned():
    assert folders.clean_name("  Fotos \u202e de  2024\t") == "Fotos de 2024"


def test_a_taken_sibling_name_becomes_name_2(user):
    first = folders.create(user.id, "Fotos")
    second = folders.create(user.id, "Fotos")
    other_case = folders.create(user.id, "fotos")  # names compare exactly, on every database
    inside = folders.create(user.id, "Fotos", first.id)  # not a sibling
    assert (first.name, second.name, other_case.name, inside.name) == (
        "Fotos", "Fotos (2)", "fotos", "Fotos")


def test_files_are_unique_per_folder(user):
    docs = folders.create(user.id, "Docs")
    assert put(user.id, None, "a.txt").name == "a.txt"
    assert put(user.id, docs, "a.txt").name == "a.txt"
    assert put(user.id, docs, "a.txt").name == "a (2).txt"


def test_another_users_folder_is_not_found(user):
    other = accounts.register("Rui", "rui@example.com", PASSWORD)
    theirs = folders.create(other.id, "Deles")
    with pytest.raises(FolderNotFound):
        folders.get_owned(user.id, theirs.id)
    with pytest.raises(FolderNotFound):
        folders.create(user.id, "x", theirs.id)
    with pytest.raises(FolderNotFound):
        folders.delete(user.id, theirs.id)


def test_rename_and_move(user):
    a = folders.create(user.id, "a")
    b = folders.create(user.id, "b")
    folders.create(user.id, "c", b.id)
    c2 = folders.create(user.id, "x", a.id)
    moved = folders.change(user.id, c2.id, name="c", parent_id=b.id)
    assert (moved.name, moved.parent_id) == ("c (2)", b.id)
    back = folders.change(user.id, c2.id, parent_id=None)
    assert (back.name, back.parent_id) == ("c (2)", None)
    same = folders.change(user.id, a.id, name="a")
    assert same.name == "a"  # its own name is not taken by itself


def test_no_cycles(user):
    a = folders.create(user.id, "a")
    b = folders.create(user.id, "b", a.id)
    c = folders.create(user.id, "c", b.id)
    for target in (a, b, c):
        with pytest.raises(FolderCycle):
            folders.change(user.id, a.id, parent_id=target.id)
    assert folders.get_owned(user.id, a.id).parent_id is None


def test_walk_and_subtree_paths_in_order(user):
    top = folders.create(user.id, "top")
    sub = folders.create(user.id, "sub", top.id)
    deeper = folders.create(user.id, "deeper", sub.id)
    folders.create(user.id, "empty", top.id)
    put(user.id, top, "b.txt")
    put(user.id, top, "a.txt")
    put(user.id, sub, "s.txt")
    put(user.id, deeper, "d.txt")
    put(user.id, None, "outside.txt")
    assert [path for path, _ in folders.walk(top)] == [
        "a.txt", "b.txt", "sub/s.txt", "sub/deeper/d.txt"]
    assert [path for path, _ in folders.subtree(top)] == ["", "empty", "sub", "sub/deeper"]
    assert [f.name for f in folders.breadcrumbs(deeper)] == ["top", "sub", "deeper"]


def test_delete_removes_everything_below_with_bytes(user, ctx):
    top = folders.create(user.id, "top")
    level = top
    for n in range(20):  # deeper than InnoDB's 15 cascading levels
        level = folders.create(user.id, f"l{n}", level.id)
    kept = put(user.id, None, "kept.txt")
    gone = [put(user.id, top, "t.txt"), put(user.id, level, "deep.txt")]
    keys = [f.key for f in gone]
    folders.delete(user.id, top.id)
    storage = get_storage()
    assert not any(storage.exists(key) for key in keys)
    assert storage.exists(kept.key)
    from compartilha.extensions import db

    assert db.session.query(Folder).count() == 0
    assert [f.name for f in db.session.query(File)] == ["kept.txt"]


def test_paths_and_contents_count_every_depth(user):
    a = folders.create(user.id, "a")
    b = folders.create(user.id, "b", a.id)
    c = folders.create(user.id, "c", b.id)
    folders.create(user.id, "z")
    put(user.id, a, "1.txt")
    put(user.id, c, "2.txt")
    put(user.id, c, "3.txt")
    assert [p for p, _ in folders.paths(user.id)] == ["a", "a/b", "a/b/c", "z"]
    counts = folders.contents(user.id)
    assert counts[a.id] == (3, 2) and counts[b.id] == (2, 1) and counts[c.id] == (2, 0)
