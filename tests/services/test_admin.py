"""services.admin: each function checks the acting admin's role itself."""

from __future__ import annotations

import pytest

from compartilha.errors import AdminOnly, InvalidField, NotOnYourself, UserNotFound
from compartilha.extensions import db
from compartilha.models import Session, User
from compartilha.services import accounts, admin


@pytest.fixture
def pair(app):
    with app.app_context():
        first = accounts.register("Ada", "ada@example.com", "correct horse")
        second = accounts.register("Bia", "bia@example.com", "correct horse")
        yield first, second


def test_a_user_can_do_nothing(pair):
    first, second = pair
    for call in (lambda: admin.list_users(second), lambda: admin.get_user(second, first.id),
                 lambda: admin.change(second, first.id, role="user"),
                 lambda: admin.delete(second, first.id),
                 lambda: admin.end_sessions(second, first.id),
                 lambda: admin.send_reset(second, first.id)):
        with pytest.raises(AdminOnly):
            call()
    assert db.session.query(User).filter_by(role="admin").count() == 1


def test_list_search_sort(pair):
    first, _ = pair
    assert [x.user.name for x in admin.list_users(first, sort="name", order="desc").items] == [
        "Bia", "Ada"]
    assert [x.user.name for x in admin.list_users(first, q="ADA@").items] == ["Ada"]
    assert admin.list_users(first, q="100%").items == []
    with pytest.raises(InvalidField):
        admin.list_users(first, sort="senha")


def test_change_and_disable(pair):
    first, second = pair
    with pytest.raises(NotOnYourself):
        admin.change(first, first.id, disabled=True)
    accounts.start_session(second)
    changed = admin.change(first, second.id, disabled=True, quota_bytes=1024)
    assert changed.user.disabled_at is not None and changed.user.quota_bytes == 1024
    assert db.session.query(Session).filter_by(revoked_at=None).count() == 0
    assert admin.change(first, second.id, disabled=False).user.disabled_at is None
    assert admin.change(first, second.id).user.quota_bytes == 1024  # not given: unchanged
    with pytest.raises(InvalidField):
        admin.change(first, second.id, quota_bytes=-1)
    with pytest.raises(UserNotFound):
        admin.change(first, 10**9, role="user")


def test_delete(pair):
    first, second = pair
    with pytest.raises(NotOnYourself):
        admin.delete(first, first.id)
    admin.delete(first, second.id)
    assert db.session.get(User, second.id) is None
