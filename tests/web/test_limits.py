"""The limits a form shows and checks in the browser are the services' own."""

from compartilha.services.link_options import LINK_PASSWORD_MIN
from compartilha.services.shares import MAX_DOWNLOADS_LIMIT
from compartilha.services.validation import PASSWORD_MIN
from compartilha.web import helpers


def test_forms_show_the_services_limits(client, pages, monkeypatch):
    signup = client.get("/signup").get_data(as_text=True)
    assert f'minlength="{PASSWORD_MIN}"' in signup
    monkeypatch.setitem(helpers.LIMITS, "password_min", 12)
    assert 'minlength="12"' in client.get("/signup").get_data(as_text=True)
    pages.login()
    files = client.get("/files").get_data(as_text=True)
    assert f'max="{MAX_DOWNLOADS_LIMIT}"' in files
    assert f"{LINK_PASSWORD_MIN} caracteres" in files
