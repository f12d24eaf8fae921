"""One serializer per resource, each giving exactly the fields of its output schema
(and the fast path of the file listing too)."""

from __future__ import annotations

import pytest

from compartilha.api import schemas, serializers
from compartilha.extensions import db
from compartilha.models import (
    Access,
    AuditEvent,
    Delivery,
    File,
    Folder,
    Notification,
    Passkey,
    Session,
    Share,
    User,
    Webhook,
)
from compartilha.services import admin, api_tokens, file_requests, files, invitations, settings

PAIRS = [(serializers.user_json, schemas.UserOut), (serializers.file_json, schemas.FileOut),
         (serializers.file_listed, schemas.FileOut), (serializers.share_json, schemas.ShareOut),
         (serializers.received_json, schemas.ReceivedOut),
         (serializers.shared_json, schemas.SharedOut),
         (serializers.access_json, schemas.AccessOut),
         (serializers.session_json, schemas.SessionOut),
         (serializers.notification_json, schemas.NotificationOut),
         (serializers.webhook_json, schemas.WebhookOut),
         (serializers.delivery_json, schemas.DeliveryOut),
         (serializers.folder_json, schemas.FolderOut),
         (serializers.request_json, schemas.FileRequestOut),
         (serializers.admin_user_json, schemas.AdminUserOut),
         (serializers.invitation_json, schemas.InvitationOut),
         (serializers.totals_json, schemas.AdminTotals),
         (serializers.audit_event_json, schemas.AuditEventOut),
         (serializers.settings_json, schemas.SettingsOut),
         (serializers.api_token_json, schemas.ApiTokenOut),
         (serializers.passkey_json, schemas.PasskeyOut)]


@pytest.fixture
def one_of_each(app, client, auth):
    account = auth.user()
    file_id = auth.upload(account).get_json()["file"]["id"]
    client.post(f"/api/v1/files/{file_id}/shares", headers=account.headers, json={})
    with app.test_request_context():
        share = db.session.query(Share).one()
        db.session.add(Access(share_id=share.id, ip="", user_agent="", bytes_sent=0))
        db.session.commit()
        session = db.session.query(Session).one()
        hook = Webhook(user_id=share.user_id, url="https://x.example/", secret="whsec_x",
                       events="share.created")
        db.session.add_all([hook, Folder(name="f", user_id=share.user_id),
                            Notification(user_id=share.user_id, kind="share.expiring",
                                         data={})])
        db.session.flush()
        db.session.add(Delivery(webhook_id=hook.id, message_id="msg_1", event="share.created",
                                payload="{}"))
        db.session.commit()
        delivery = db.session.query(Delivery).one()
        yield {serializers.user_json: (db.session.query(User).one(),),
               serializers.file_json: (db.session.get(File, file_id),),
               serializers.file_listed: (files.list_rows(share.user_id).items[0],),
               serializers.received_json: (1, "Fotos", "Rui", None, "2026-12-01T00:00:00"),
               serializers.share_json: (share,), serializers.shared_json: (share,),
               serializers.access_json: (db.session.query(Access).one(),),
               serializers.session_json: (session, session),
               serializers.notification_json: (db.session.query(Notification).one(),),
               serializers.webhook_json: (hook, delivery, True),
               serializers.delivery_json: (delivery,),
               serializers.folder_json: (db.session.query(Folder).one(),),
               serializers.request_json: (file_requests.create(share.user_id, title="t"),),
               serializers.admin_user_json: (admin.Listed(db.session.query(User).one(), 1, 11),),
               serializers.invitation_json: invitations.create(db.session.query(User).one()),
               serializers.totals_json: (admin.Totals(1, 1, 11),),
               serializers.audit_event_json: (AuditEvent(action="login.failed", target="",
                                                         ip=""),),
               serializers.settings_json: (settings.values(),),
               serializers.api_token_json: api_tokens.create(db.session.query(User).one(),
                                                             "t", ["files:read"]),
               serializers.passkey_json: (Passkey(name="p", transports="usb nfc"),)}


@pytest.mark.parametrize(("serializer", "schema"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_a_serializer_gives_exactly_its_schema_fields(one_of_each, serializer, schema):
    assert set(serializer(*one_of_each[serializer])) == set(schema().fields)


def test_every_serializer_is_checked():
    public = {getattr(serializers, name) for name in dir(serializers)
              if name.endswith(("_json", "_listed")) and callable(getattr(serializers, name))}
    assert public == {serializer for serializer, _ in PAIRS}
