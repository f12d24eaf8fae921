def test_home_page(client):
    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.mimetype == "text/html"
    html = rv.get_data(as_text=True)
    assert "<header" in html and "<main" in html and "<footer" in html


def test_share_page_escapes_file_name(client, auth):
    account = auth.user()
    meta = auth.upload(account, b"x", "<img src=x onerror=alert(1)>.txt").get_json()["file"]
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]["token"]
    html = client.get(f"/s/{token}").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in html


def test_unknown_share_page_is_html_404(client):
    rv = client.get("/s/" + "A" * 43)
    assert rv.status_code == 404
    assert rv.mimetype == "text/html"
