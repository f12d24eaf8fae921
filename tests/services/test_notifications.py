"""The in-app list: newest first, unread counted, marked read by id or all, mine only."""

from __future__ import annotations

from compartilha.services import accounts, notifications


def test_list_unread_and_mark_read(ctx):
    ana = accounts.register("Ana", "ana@example.com", "correct horse")
    bia = accounts.register("Bia", "bia@example.com", "correct horse")
    first = notifications.add(ana.id, "share.downloaded", {"file_name": "a.txt"})
    second = notifications.add(ana.id, "share.used_up", {"file_name": "a.txt"})
    theirs = notifications.add(bia.id, "share.expiring", {"file_name": "b.txt"})
    assert [n.id for n in notifications.list_for(ana.id)] == [second.id, first.id]
    assert notifications.unread_count(ana.id) == 2
    assert notifications.mark_read(ana.id, [first.id, theirs.id]) == 1  # not Bia's
    assert notifications.unread_count(bia.id) == 1
    assert [n.id for n in notifications.list_for(ana.id, unread=True)] == [second.id]
    assert notifications.mark_read(ana.id, []) == 0
    assert notifications.mark_read(ana.id) == 1
    assert notifications.unread_count(ana.id) == 0
    assert notifications.list_for(ana.id)[0].read_at is not None
