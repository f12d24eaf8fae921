"""The tus operations in the OpenAPI document: operationIds, headers, bytes not JSON."""

import pytest

OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture
def paths(client):
    return client.get("/api/v1/openapi.json").get_json()["paths"]


def test_every_tus_operation_has_its_operation_id(paths):
    ids = {(path, method): op["operationId"] for path, ops in paths.items()
           for method, op in ops.items() if path.startswith("/api/v1/uploads")}
    assert ids == {
        ("/api/v1/uploads", "options"): "get_upload_capabilities",
        ("/api/v1/uploads", "post"): "create_upload",
        ("/api/v1/uploads/{token}", "head"): "get_upload_offset",
        ("/api/v1/uploads/{token}", "patch"): "append_upload",
        ("/api/v1/uploads/{token}", "delete"): "cancel_upload",
        ("/api/v1/uploads/{token}", "post"): "override_upload_method",
    }


def test_creation_sends_bytes_and_answers_headers_not_json(paths):
    create = paths["/api/v1/uploads"]["post"]
    assert list(create["requestBody"]["content"]) == [OFFSET_TYPE]
    assert "content" not in create["responses"]["201"]  # no body, only headers
    assert {"Location", "Upload-Offset"} <= set(create["responses"]["201"]["headers"])
    headers = {p["name"] for p in create["parameters"] if p["in"] == "header"}
    assert {"Tus-Resumable", "Upload-Length", "Upload-Metadata", "Upload-Concat"} <= headers


def test_append_offset_and_termination(paths):
    item = paths["/api/v1/uploads/{token}"]
    patch = item["patch"]
    assert list(patch["requestBody"]["content"]) == [OFFSET_TYPE]
    assert {"Upload-Offset", "Tus-Resumable"} <= {p["name"] for p in patch["parameters"]}
    assert "Upload-Offset" in patch["responses"]["204"]["headers"]
    head = item["head"]["responses"]["200"]["headers"]
    assert {"Upload-Offset", "Upload-Length", "Upload-Metadata"} <= set(head)
    assert {"204", "404", "412"} <= set(item["delete"]["responses"])


LINK_OPERATIONS = {
    ("/r/{token}/uploads", "options"): "get_link_upload_capabilities",
    ("/r/{token}/uploads", "post"): "create_link_upload",
    ("/r/{token}/uploads/{upload}", "head"): "get_link_upload_offset",
    ("/r/{token}/uploads/{upload}", "get"): "get_link_upload_receipt",
    ("/r/{token}/uploads/{upload}", "patch"): "append_link_upload",
    ("/r/{token}/uploads/{upload}", "delete"): "cancel_link_upload",
    ("/r/{token}/uploads/{upload}", "post"): "override_link_upload_method",
    ("/r/{token}/files", "post"): "send_link_file",
}


def test_the_upload_links_public_routes_are_documented(paths, app):
    ids = {(path, method): op["operationId"] for path, ops in paths.items()
           for method, op in ops.items() if path.startswith("/r/")}
    assert ids == LINK_OPERATIONS
    # Each documented operation is a route the app has, with that method.
    rules = {(rule.rule.replace("<token>", "{token}").replace(
        "<string(length=32):upload>", "{upload}"), method.lower())
        for rule in app.url_map.iter_rules() for method in rule.methods or ()}
    assert set(LINK_OPERATIONS) <= rules
    for (path, method), _ in LINK_OPERATIONS.items():
        op = paths[path][method]
        assert op["security"] == []  # the link authorises, no account
        token = next(p for p in op["parameters"] if p["name"] == "token")
        assert token["schema"]["minLength"] == token["schema"]["maxLength"] == 43


def test_link_uploads_answer_their_limits_and_bytes_not_json(paths):
    create = paths["/r/{token}/uploads"]["post"]
    assert list(create["requestBody"]["content"]) == [OFFSET_TYPE]
    assert {"401", "404", "410", "413", "422", "429"} <= set(create["responses"])
    assert "Compartilha-File-Id" not in create["responses"]["201"]["headers"]  # the owner's
    metadata = next(p for p in create["parameters"] if p["name"] == "Upload-Metadata")
    for key in ("uploader_name", "uploader_email", "password", "path"):
        assert f"`{key}`" in metadata["description"]
    patch = paths["/r/{token}/uploads/{upload}"]["patch"]
    assert list(patch["requestBody"]["content"]) == [OFFSET_TYPE]
    assert {"409", "410", "460"} <= set(patch["responses"])
    form = paths["/r/{token}/files"]["post"]
    body = form["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert {"file", "uploader_name", "uploader_email", "password", "path"} == set(
        body["properties"])
    receipt = form["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(receipt["properties"]["file"]["properties"]) == {
        "name", "size", "type", "sha256", "created_at"}
    assert {"401", "404", "410", "413", "422"} <= set(form["responses"])
