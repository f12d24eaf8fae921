"""Upload links through the API: create, list, change, revoke; only the owner's."""

from __future__ import annotations

from tests.helpers import error_code


def test_create_list_change_and_revoke(client, auth):
    ana = auth.user(name="Ana")
    rv = client.post("/api/v1/requests", headers=ana.headers, json={
        "title": "Fotos do casamento", "message": "Mandem tudo!", "max_files": 20,
        "max_file_bytes": 500_000, "password": "segredo", "require_name": True})
    assert rv.status_code == 201, rv.get_json()
    link = rv.get_json()["request"]
    assert link["url"].endswith(f"/r/{link['token']}") and len(link["token"]) == 43
    assert (link["title"], link["has_password"], link["require_name"], link["state"],
            link["files_received"]) == ("Fotos do casamento", True, True, "active", 0)
    assert "password" not in link
    folder = link["folder_id"]

    listed = client.get("/api/v1/requests", headers=ana.headers).get_json()["requests"]
    assert [item["id"] for item in listed] == [link["id"]]

    rv = client.patch(f"/api/v1/requests/{link['id']}", headers=ana.headers,
                      json={"password": None, "max_files": 5, "title": "Fotos"})
    changed = rv.get_json()["request"]
    assert (changed["token"], changed["has_password"], changed["max_files"],
            changed["title"], changed["folder_id"]) == (link["token"], False, 5, "Fotos", folder)

    assert client.delete(f"/api/v1/requests/{link['id']}", headers=ana.headers).status_code == 204
    again = client.get(f"/api/v1/requests/{link['id']}", headers=ana.headers).get_json()
    assert again["request"]["state"] == "revoked"


def test_another_owner_sees_404_and_bad_options_name_their_fields(client, auth):
    ana, bia = auth.user(name="Ana"), auth.user(name="Bia")
    link = client.post("/api/v1/requests", headers=ana.headers,
                       json={"title": "Docs"}).get_json()["request"]
    for method, body in (("get", None), ("patch", {"title": "x"}), ("delete", None)):
        rv = getattr(client, method)(f"/api/v1/requests/{link['id']}", headers=bia.headers,
                                     json=body)
        assert rv.status_code == 404 and error_code(rv) == "request_not_found"
    rv = client.post("/api/v1/requests", headers=bia.headers,
                     json={"title": "x", "folder_id": link["folder_id"]})
    assert rv.status_code == 404 and error_code(rv) == "folder_not_found"
    for body, field in (({"title": ""}, "title"), ({"title": "x", "max_files": 0}, "max_files"),
                        ({"title": "x", "password": "ab"}, "password"),
                        ({"title": "x", "max_total_bytes": "big"}, "max_total_bytes")):
        rv = client.post("/api/v1/requests", headers=bia.headers, json=body)
        assert rv.status_code == 422, (body, rv.get_json())
        error = rv.get_json()["error"]
        assert field in (error.get("field"), *error.get("fields", {})), error
    assert client.get("/api/v1/requests", headers=bia.headers).get_json()["requests"] == []


def test_the_routes_need_an_account(client):
    assert client.get("/api/v1/requests").status_code == 401
    assert client.post("/api/v1/requests", json={"title": "x"}).status_code == 401
