"""schemathesis drives every operation of /api/v1/openapi.json with generated input and
runs every one of its checks on each answer: no 5xx, every status, header, content type
and body as documented, invalid input refused, valid input accepted, auth enforced."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from compartilha import create_app, outbound
from compartilha.extensions import db
from tests.conftest import base_config
from tests.helpers import AuthActions, tables


@schemathesis.serializer("application/offset+octet-stream")
def tus_bytes(ctx, value) -> bytes:
    """tus bodies are bytes: whatever was generated, as bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def test_api_survives_generated_requests(database, tmp_path, monkeypatch):
    # Webhook URLs the fuzzer makes up resolve to one public address, and nothing is sent
    # to it: no DNS query or request leaves this machine.
    monkeypatch.setattr(outbound, "_resolve", lambda host, port: ["93.184.215.14"])
    monkeypatch.setattr(outbound, "post", lambda target, body, headers: 204)
    # Throttling would turn the fuzzer's bursts into 429s and hide the real answers.
    app = create_app({**base_config(tmp_path, database[1]), "RATELIMIT_ENABLED": False})
    with app.app_context(), db.engine.begin() as conn:
        for table in tables():
            conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608
    auth = AuthActions(app.test_client())
    account = auth.user(email="fuzz@example.com")
    auth.upload(account, b"fuzz file")
    headers = {"Authorization": f"Bearer {account.token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        if "/auth/logout" in operation.path:
            continue  # would end the fuzzer's own session; the auth tests cover logout

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            # Every check on every operation, with two exceptions where a request that its
            # document allows can still be refused for what OpenAPI cannot say, so "schema-
            # valid means accepted" is not asked of them: tus (a body longer than
            # Upload-Length: 413; an Upload-Checksum that does not match the bytes: 460) and
            # upload links, the one creation that reaches its options without an id that
            # 404s first (`expires_at` must be in the future; the limits must fit
            # MAX_UPLOAD_BYTES, a setting), and the admin's settings (a new link's expiry
            # at most the longest one; the logo only removed there, uploaded by its own PUT),
            # and API tokens (`expires_at` in the future; a name of spaces or control
            # characters only is empty once cleaned).
            path = case.operation.path
            lenient = path.startswith(("/api/v1/uploads", "/api/v1/requests",
                                       "/api/v1/admin/settings", "/api/v1/me/tokens"))
            case.call_and_validate(headers=headers,
                                   excluded_checks=[positive_data_acceptance] if lenient else None)

        run()
    with app.app_context():
        db.engine.dispose()
