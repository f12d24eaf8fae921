"""Upload links through the API: create, list, change, revoke; only the owner's."""

from __future__ import annotations

import io

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


def test_a_received_file_shows_its_provenance_to_the_owner(client, auth):
    ana = auth.user(name="Ana")
    link = client.post("/api/v1/requests", headers=ana.headers,
                       json={"title": "Fotos"}).get_json()["request"]
    rv = client.post(f"/r/{link['token']}/files", headers={"Accept": "application/json"},
                     data={"file": (io.BytesIO(b"foto"), "praia.jpg"),
                           "uploader_name": "Rui Barbosa", "uploader_email": "rui@example.com"})
    assert rv.status_code == 201, rv.get_json()
    own = client.post("/api/v1/files", headers=ana.headers,
                      data={"file": (io.BytesIO(b"mine"), "meu.txt")}).get_json()["file"]
    assert own["received"] is None
    everything = client.get("/api/v1/files", headers=ana.headers).get_json()["files"]
    in_folder = client.get(f"/api/v1/files?folder_id={link['folder_id']}",
                           headers=ana.headers).get_json()["files"]
    [received] = [f for f in everything if f["id"] != own["id"]]
    single = client.get(f"/api/v1/files/{received['id']}", headers=ana.headers).get_json()
    expected = {"request_id": link["id"], "request_title": "Fotos",
                "sender_name": "Rui Barbosa", "sender_email": "rui@example.com",
                "at": received["created_at"]}
    assert received["received"] == in_folder[0]["received"] == expected
    assert single["file"]["received"] == expected
    assert [f["received"] for f in everything if f["id"] == own["id"]] == [None]
    # A revoked link still names where the file came from.
    client.delete(f"/api/v1/requests/{link['id']}", headers=ana.headers)
    single = client.get(f"/api/v1/files/{received['id']}", headers=ana.headers).get_json()
    assert single["file"]["received"]["request_title"] == "Fotos"
