"""services.settings: a stored value wins over the environment's default, at once."""

from __future__ import annotations

import json

from compartilha.extensions import db
from compartilha.models import Setting
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
