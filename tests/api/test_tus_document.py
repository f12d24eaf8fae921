"""The tus operations in the OpenAPI document: operationIds, headers, bytes not JSON."""

import pytest

OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture
def paths(client):
    return client.get("/api/v1/openapi.json").get_json()["paths"]


def test_every_tus_operation_has_its_operation_id(paths):
    ids = {(path, method): op["operationId"] for path, ops in paths.items()
           for method, op in ops.items() if "/uploads" in path}
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
