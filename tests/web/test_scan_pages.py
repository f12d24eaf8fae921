"""What the pages say of the antivirus: the owner's notification of a refused file, a
file kept unscanned on the files page, and the upload scripts' messages."""

from __future__ import annotations

import io
import json
from html import unescape

from tests.servers import EICAR, EICAR_FOUND, free_ports


def _with_token(auth, account):
    """The page session's account, with a bearer token for the API too."""
    cookie_token = account.token
    auth.login(account)
    bearer, account.token = account.token, cookie_token
    return {"Authorization": f"Bearer {bearer}"}


def test_a_refused_file_is_told_on_the_notifications_page(app, client, pages, auth, clamd):
    app.config["CLAMAV_URL"] = clamd.unix_url
    account = pages.login()
    headers = _with_token(auth, account)
    rv = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(EICAR), "fatura.pdf", "application/pdf")})
    assert rv.status_code == 422
    page = client.get("/notifications").get_data(as_text=True)
    assert (f"“fatura.pdf” foi recusado: o antivírus encontrou {EICAR_FOUND} nele. "
            "Nada foi guardado.") in page
    english = client.get("/notifications", headers={"Accept-Language": "en"})
    assert (f"“fatura.pdf” was refused: the antivirus found {EICAR_FOUND} in it. "
            "Nothing was stored.") in english.get_data(as_text=True)


def test_a_visitors_refused_file_is_told_to_the_owner_with_the_link(app, client, pages,
                                                                     auth, clamd):
    app.config["CLAMAV_URL"] = clamd.tcp_url
    account = pages.login()
    headers = _with_token(auth, account)
    link = client.post("/api/v1/requests", headers=headers, json={"title": "Notas"})
    token = link.get_json()["request"]["token"]
    visitor = app.test_client()
    rv = visitor.post(f"/r/{token}/files", headers={"Accept": "application/json"},
                      content_type="multipart/form-data",
                      data={"file": (io.BytesIO(EICAR), "nota.txt", "text/plain")})
    assert rv.status_code == 422 and EICAR_FOUND in rv.get_json()["error"]["message"]
    page = client.get("/notifications").get_data(as_text=True)
    assert "“nota.txt”, enviado pelo seu link de envio “Notas”, foi recusado" in page


def test_an_unscanned_file_says_so_on_the_files_page(app, client, pages, auth):
    account = pages.login()
    headers = _with_token(auth, account)
    client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"before"), "antes.txt", "text/plain")})
    app.config["CLAMAV_URL"] = f"tcp://127.0.0.1:{free_ports(1)[0]}"  # nobody listens
    app.config["CLAMAV_UNAVAILABLE"] = "accept"
    rv = client.post("/api/v1/files", headers=headers, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"after"), "depois.txt", "text/plain")})
    assert rv.get_json()["file"]["scan"] == "unscanned"
    html = client.get("/files").get_data(as_text=True)
    rows = {name: html[html.index(f'data-name="{name}"'):] for name in ("antes.txt", "depois.txt")}
    rows = {name: row[:row.index("</li>")] for name, row in rows.items()}
    assert "Não verificado" in rows["depois.txt"]
    assert 'data-field="scan" hidden' not in rows["depois.txt"]
    assert 'data-field="scan" hidden' in rows["antes.txt"]


def script_texts(html: str) -> dict[str, str]:
    """The translations a page hands its upload script (`data-i18n`)."""
    start = html.index("data-i18n='") + len("data-i18n='")
    return json.loads(unescape(html[start:html.index("'", start)]))


def test_the_upload_scripts_explain_both_refusals(app, client, pages, auth):
    account = pages.login()
    texts = script_texts(client.get("/files").get_data(as_text=True))
    assert texts["malware_detected"] == "o antivírus encontrou um vírus nele; ele não foi guardado."
    assert texts["scanner_unavailable"].startswith("o antivírus está indisponível")
    headers = _with_token(auth, account)
    token = client.post("/api/v1/requests", headers=headers,
                        json={"title": "Notas"}).get_json()["request"]["token"]
    page = app.test_client().get(f"/r/{token}", headers={"Accept-Language": "en"})
    texts = script_texts(page.get_data(as_text=True))
    assert texts["malware_detected"] == "the antivirus found malware in it; it was not stored."


def test_a_form_sent_without_javascript_gets_a_page_that_says_why(app, client, pages, auth,
                                                                  clamd):
    app.config["CLAMAV_URL"] = clamd.unix_url
    account = pages.login()
    headers = _with_token(auth, account)
    token = client.post("/api/v1/requests", headers=headers,
                        json={"title": "Notas"}).get_json()["request"]["token"]
    visitor = app.test_client()
    rv = visitor.post(f"/r/{token}/files", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(EICAR), "nota.txt", "text/plain")})
    html = rv.get_data(as_text=True)
    assert rv.status_code == 422 and "text/html" in rv.content_type
    assert "Este arquivo foi recusado" in html and "encontrou um vírus nele" in html
    app.config["CLAMAV_URL"] = f"tcp://127.0.0.1:{free_ports(1)[0]}"
    rv = visitor.post(f"/r/{token}/files", content_type="multipart/form-data",
                      headers={"Accept-Language": "en"},
                      data={"file": (io.BytesIO(b"fine"), "nota.txt", "text/plain")})
    assert rv.status_code == 503 and rv.headers["Retry-After"]
    assert "The file could not be checked" in rv.get_data(as_text=True)
