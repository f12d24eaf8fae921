"""services.settings: a stored value wins over the environment's default, at once."""

from __future__ import annotations

import json

from compartilha.extensions import db
from compartilha.models import Setting
from compartilha.models.columns import utcnow
from compartilha.services import settings


def test_a_setting_falls_back_to_its_default_until_one_is_stored(app):
    with app.app_context():
        app.config["DEFAULT_QUOTA_BYTES"] = 1234
        assert settings.value("default_quota_bytes") == 1234
        db.session.add(Setting(key="default_quota_bytes", value=json.dumps(99)))
        db.session.commit()
        assert settings.value("default_quota_bytes") == 99
        assert settings.values(["default_quota_bytes", "audit_retention_days"]) == {
            "default_quota_bytes": 99, "audit_retention_days": 365}


def test_a_list_default_comes_back_as_a_list(app):
    with app.app_context():
        app.config["UPLOADED_FILES_DENY"] = ("exe", "bat")
        assert settings.value("blocked_extensions") == ["exe", "bat"]


def _admin(app):
    from compartilha.models import User
    user = User(name="Ada", email="ada@example.com", email_skeleton="ada@example.com",
                password_hash="x", role="admin")
    db.session.add(user)
    db.session.commit()
    return user


def test_update_checks_everything_first_then_stores_all(app):
    import pytest

    from compartilha.errors import AdminOnly, InvalidField, UnknownSetting

    with app.app_context():
        admin = _admin(app)
        with pytest.raises(InvalidField) as wrong:
            settings.update(admin, {"site_name": "Ok", "share_max_days": 0,
                                    "accent_color": "blue"})
        assert {p.field for p in wrong.value.problems} == {"share_max_days", "accent_color"}
        with pytest.raises(UnknownSetting):
            settings.update(admin, {"site_name": "Ok", "nope": 1})
        assert db.session.query(Setting).count() == 0
        found = settings.update(admin, {"share_max_days": 30, "default_share_days": 30})
        assert found["share_max_days"] == 30 and settings.value("default_share_days") == 30
        with pytest.raises(InvalidField):  # the default over the (stored) longest expiry
            settings.update(admin, {"default_share_days": 31})
        admin.role = "user"
        with pytest.raises(AdminOnly):
            settings.update(admin, {"site_name": "Mine"})
        assert settings.value("site_name") == "Compartilha"


def test_a_logo_is_checked_by_its_bytes(app):
    import pytest

    from compartilha.errors import LogoRefused

    with app.app_context():
        admin = _admin(app)
        for data in (b"<svg onload=alert(1)>", b"GIF89a....", b"\x89PNG\r\n\x1a\n" + bytes(
                settings.LOGO_MAX)):
            with pytest.raises(LogoRefused):
                settings.set_logo(admin, data)
        assert settings.logo() is None
        jpeg = b"\xff\xd8\xff\xe0" + bytes(100)
        settings.set_logo(admin, jpeg)
        data, kind, etag = settings.logo()
        assert data == jpeg and kind == "image/jpeg" and len(etag) == 32
        settings.update(admin, {"logo": None})
        assert settings.logo() is None and settings.value("logo") is None


def test_two_admins_storing_a_new_key_at_once_both_succeed(app, monkeypatch):
    """The first save of a key INSERTs it: when another admin's INSERT lands first, the
    save is retried as an UPDATE (the later one wins) instead of failing with a 500."""
    with app.app_context():
        ada = _admin(app)
        real_put = settings._put
        raced = []

        def put_after_another_admin(key, given):
            real_put(key, given)  # finds no row: its INSERT waits for the commit
            if not raced:
                raced.append(key)
                with db.engine.begin() as other:
                    other.execute(Setting.__table__.insert().values(
                        chave=key, valor=json.dumps("Other"), atualizado_em=utcnow()))

        monkeypatch.setattr(settings, "_put", put_after_another_admin)
        assert settings.update(ada, {"site_name": "Mine"})["site_name"] == "Mine"
        assert raced == ["site_name"]
        db.session.expire_all()
        assert settings.value("site_name") == "Mine"
