import json
import logging

from compartilha.logs import JSONFormatter


def formatted(caplog) -> list[dict]:
    formatter = JSONFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records
            if r.name == "compartilha.events"]


def test_security_events_are_json_and_hold_no_secrets(client, auth, caplog):
    caplog.set_level(logging.INFO, logger="compartilha")
    account = auth.register(name="Ana\r\n{\"forged\": true}", email="ana@example.com",
                            password="super secret pw")
    client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": "wrong pw!"})
    auth.login(account)
    meta = auth.upload(account, b"x", "a\tb.txt").get_json()["file"]
    share = client.post(f"/api/v1/files/{meta['id']}/shares", headers=account.headers,
                        json={"password": "link secret"}).get_json()["share"]
    client.get(f"/s/{share['token']}")
    client.post(f"/s/{share['token']}/download", data={"password": "bad guess"})
    client.post(f"/s/{share['token']}/download", data={"password": "link secret"})
    entries = formatted(caplog)
    names = [e["msg"] for e in entries]
    for expected in ("account.registered", "login.failed", "login.succeeded", "share.created",
                     "share.opened", "share.password_failed", "share.download_started",
                     "share.download_finished"):
        assert expected in names, expected
    text = "\n".join(JSONFormatter().format(r) for r in caplog.records)
    for secret in ("super secret pw", "wrong pw!", "link secret", "bad guess", share["token"],
                   account.token, "ana@example.com"):
        assert secret not in text
    assert "a***@example.com" in text
    for line in text.splitlines():  # one JSON object per line: no forged lines
        json.loads(line)
    opened = next(e for e in entries if e["msg"] == "share.opened")
    assert opened["path"] == "/s/[link]" and opened["share_id"] == share["id"]


def test_formatter_masks_secret_fields_and_tokens():
    record = logging.LogRecord("compartilha.events", logging.INFO, __file__, 1,
                               "seen eyJabc.eyJdef.ghi", None, None)
    record.fields = {"password": "p", "token": "t", "ok": "fine\nline"}
    entry = json.loads(JSONFormatter().format(record))
    assert entry["password"] == entry["token"] == "[masked]"
    assert entry["msg"] == "seen [token]" and entry["ok"] == "fine\nline"


def test_sinks_get_each_event_of_their_app_and_a_failing_one_breaks_nothing(app, caplog):
    from compartilha.logs import add_sink, event

    seen = []

    def broken(name, fields):
        raise RuntimeError("sink down")

    add_sink(app, broken)
    add_sink(app, lambda name, fields: seen.append((name, fields)))
    with app.app_context():
        event("demo.happened", user_id=3)
    event("outside.any_app")  # no app: no sink, no error
    assert seen == [("demo.happened", {"user_id": 3})]
    assert any("sink" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
