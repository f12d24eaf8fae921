"""The storage quota on the pages: a usage bar on the account and files pages (with and
without a quota), in pt-BR; the admins' totals and file-quota field."""

from __future__ import annotations

from compartilha.extensions import db
from compartilha.models import User
from tests.web.conftest import csrf_cookie, sign_in


def _set_quota(app, email, quota_bytes=None, quota_files=None):
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        user.quota_bytes, user.quota_files = quota_bytes, quota_files
        db.session.commit()


def test_usage_bar_on_the_account_and_files_pages(app, auth):
    ana = auth.user()
    auth.file(ana, b"x" * 1536)
    browser = sign_in(app.test_client(), ana)
    for path in ("/account", "/files"):
        page = browser.get(path).get_data(as_text=True)
        assert "1,5 KB usados" in page and "<meter" not in page  # no quota: no bar
    _set_quota(app, ana.email, 2048, 10)
    for path in ("/account", "/files"):
        page = browser.get(path).get_data(as_text=True)
        assert "1,5 KB de 2 KB usados" in page
        assert '<meter class="usage-meter" aria-labelledby="usage-text" min="0" max="2048" ' \
               'value="1536"' in page
        assert "Arquivos: 1 de 10" in page and "Seu armazenamento está cheio" not in page
    english = browser.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1.5 KB of 2 KB used" in english
    _set_quota(app, ana.email, 1024)
    page = browser.get("/files").get_data(as_text=True)
    assert 'value="1024"' in page and "Seu armazenamento está cheio" in page


def test_admin_page_shows_totals_and_sets_the_file_quota(app, auth):
    ada = auth.user(name="Ada")  # the first account: the admin
    bia = auth.user(name="Bia")
    auth.file(bia, b"b" * 2048)
    auth.file(bia, b"c" * 1024, "c.txt")
    browser = sign_in(app.test_client(), ada)
    page = browser.get("/admin/users?q=ada").get_data(as_text=True)
    assert "Armazenamento usado: 3 KB em 2 arquivos de 2 contas" in page
    assert 'name="quota_files"' in page
    with app.app_context():
        bia_id = db.session.query(User.id).filter_by(name="Bia").scalar()
    rv = browser.post(f"/admin/users/{bia_id}", headers={"Origin": "http://localhost"},
                      data={"csrf_token": csrf_cookie(browser), "action": "quota", "quota_mb": "",
                            "quota_files": "2"})
    assert rv.status_code == 302
    with app.app_context():
        found = db.session.get(User, bia_id)
        assert (found.quota_bytes, found.quota_files) == (None, 2)
    rv = auth.upload(bia, b"third")
    assert rv.status_code == 413 and rv.get_json()["error"]["code"] == "quota_exceeded"
    rv = browser.post(f"/admin/users/{bia_id}", headers={"Origin": "http://localhost"},
                      data={"csrf_token": csrf_cookie(browser), "action": "quota", "quota_mb": "",
                            "quota_files": "many"}, follow_redirects=True)
    assert "Uma cota de arquivos fica entre 0 e" in rv.get_data(as_text=True)
    assert auth.upload(bia, b"x").status_code == 413
