"""One id converter for every route that takes a row id, in the API and the pages."""

from compartilha.http.converters import ID_MAX, IdConverter
from tests.helpers import error_code


def test_every_row_id_in_a_url_goes_through_the_id_converter(app):
    ids = [(rule.rule, name, rule._converters[name]) for rule in app.url_map.iter_rules()
           for name in rule.arguments if name.endswith("_id") and name != "session_id"]
    assert ids and all(isinstance(conv, IdConverter) for _, _, conv in ids), ids


def test_ids_outside_the_database_range_are_not_found(client, auth):
    account = auth.user()
    for bad in ("0", str(ID_MAX + 1), "-1", "1.0"):
        rv = client.get(f"/api/v1/files/{bad}", headers=account.headers)
        assert rv.status_code == 404 and error_code(rv) == "not_found", bad


def test_an_id_out_of_range_is_404_for_every_method(client, auth):
    """Not 405: a converter refusing after the route matched made werkzeug answer with the
    methods of the GET route of the same path."""
    account = auth.user()
    for bad in ("0", "00", "01", str(ID_MAX + 1), "99999999999"):
        for method in ("get", "delete", "post"):
            rv = getattr(client, method)(f"/api/v1/files/{bad}", headers=account.headers)
            assert rv.status_code == 404 and error_code(rv) == "not_found", (method, bad)
    rv = client.delete(f"/api/v1/files/{ID_MAX}", headers=account.headers)
    assert rv.status_code == 404 and error_code(rv) == "file_not_found"
