"""PASSWORD_LOGIN=0 through the API: passwords are refused with 403
`password_login_disabled`; a session started before keeps working."""

from __future__ import annotations


def test_password_paths_answer_403_and_sessions_keep_working(app, client, auth):
    account = auth.login(auth.register(email="ana@example.com"))
    app.config["PASSWORD_LOGIN"] = False
    for path, body in (
            ("/api/v1/auth/login", {"email": account.email, "password": account.password}),
            ("/api/v1/auth/register", {"name": "Bia", "email": "bia@example.com",
                                       "password": "correct horse"}),
            ("/api/v1/auth/password-reset", {"email": account.email}),
            ("/api/v1/auth/password-reset/confirm", {"token": "x" * 43,
                                                     "new_password": "another horse"})):
        rv = client.post(path, json=body)
        assert rv.status_code == 403, (path, rv.get_json())
        assert rv.get_json()["error"]["code"] == "password_login_disabled"
    rv = client.get("/api/v1/me", headers={"Authorization": f"Bearer {account.token}"})
    assert rv.status_code == 200
