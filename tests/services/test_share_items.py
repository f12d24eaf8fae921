"""What a link to several things holds, and what a visitor can reach through it."""

import zlib

import pytest

from compartilha.errors import FolderNotFound, InvalidField, ShareEmpty, ShareItemNotFound
from compartilha.extensions import db
from compartilha.models import Folder
from compartilha.services import accounts, share_items, shares
from tests.services.conftest import PASSWORD, stored


def folder(user_id, name, parent=None) -> Folder:
    row = Folder(name=name, user_id=user_id, parent_id=parent.id if parent else None)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def tree(user):
    top = folder(user.id, "Top")
    sub = folder(user.id, "Sub", top)
    other = folder(user.id, "Other")
    files = {name: stored(user.id, name.encode(), name) for name in ("a", "b", "c", "d")}
    files["b"].folder_id, files["c"].folder_id, files["d"].folder_id = top.id, sub.id, other.id
    db.session.commit()
    return {"Top": top, "Sub": sub, "Other": other, **files}


def test_choose_keeps_the_order_folders_first(user, tree):
    chosen = share_items.choose(user.id, [tree["a"].id], [tree["Other"].id, tree["Top"].id])
    assert [(i.file_id, i.folder_id, i.position) for i in chosen] == [
        (None, tree["Other"].id, 0), (None, tree["Top"].id, 1), (tree["a"].id, None, 2)]


@pytest.mark.parametrize("file_ids, folder_ids", [([], []), ([1, 1], []), ([], [1, 1]),
                                                  (list(range(1, 102)), [])])
def test_choose_refuses(user, file_ids, folder_ids):
    with pytest.raises(InvalidField):
        share_items.choose(user.id, file_ids, folder_ids)


def test_others_folders_are_not_found(user, tree):
    bia = accounts.register("Bia", "bia@example.com", PASSWORD)
    with pytest.raises(FolderNotFound):
        share_items.choose(bia.id, [], [tree["Top"].id])


def test_what_a_link_reaches(user, tree):
    share = shares.create(user.id, file_ids=[tree["a"].id], folder_ids=[tree["Top"].id])
    assert share_items.file_in(share, tree["c"].id) == tree["c"]
    assert [f.name for f in share_items.folder_in(share, tree["Sub"].id)] == ["Top", "Sub"]
    for outside in (tree["Other"].id, 10**6):
        with pytest.raises(ShareItemNotFound):
            share_items.folder_in(share, outside)
    with pytest.raises(ShareItemNotFound):
        share_items.file_in(share, tree["d"].id)
    assert [(p, r.name if r else None) for p, r in share_items.members(share)] == [
        ("Top/", None), ("Top/Sub/", None), ("Top/b", "b"), ("Top/Sub/c", "c"), ("a", "a")]
    assert share_items.total_size(share) == 3 and share.item_count == 2
    assert [(i.kind, i.name, i.size) for i in share_items.top(share)] == [
        ("folder", "Top", 2), ("file", "a", 1)]
    assert share.label == "Top"


def test_a_link_with_nothing_left_is_empty(user, tree):
    share = shares.create(user.id, file_ids=[tree["a"].id, tree["b"].id])
    share.items.clear()
    db.session.commit()
    with pytest.raises(ShareEmpty):
        share_items.members(share)
    assert share_items.top_or_empty(share) == []


def test_missing_crc32_is_computed_once_and_stored(user, tree):
    record = tree["a"]
    record.crc32 = None
    db.session.commit()
    share_items.with_crc32([record])
    db.session.expire_all()
    assert record.crc32 == zlib.crc32(b"a")
