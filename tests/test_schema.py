"""The migrated schema keeps the request's names and types on every database."""

import pytest
import sqlalchemy as sa

from compartilha.extensions import db

REQUEST_COLUMNS = {
    "usuarios": {"id", "nome", "email", "senha"},
    "arquivos": {"id", "nome", "tipo", "caminho", "usuario_id"},
    "compartilhamentos": {"id", "arquivo_id", "usuario_id", "link", "data_compartilhamento"},
}


# Technical words that stay as they are in Portuguese column names (docs/architecture.md).
TECHNICAL = {"id", "email", "sha256", "crc32", "ip", "jti", "token", "webhook_id"}


def test_every_column_is_portuguese_and_mapped_explicitly():
    """English attributes, Portuguese columns: a column named like its attribute is one
    added without the rule (`created_at` instead of `criado_em`)."""
    same = sorted(f"{mapper.class_.__name__}.{attr.key}"
                  for mapper in db.Model.registry.mappers
                  for attr in mapper.column_attrs
                  if attr.key == attr.columns[0].name and attr.key not in TECHNICAL)
    assert same == []


def test_tables_and_columns(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table, columns in REQUEST_COLUMNS.items():
            found = {c["name"] for c in inspector.get_columns(table)}
            assert columns <= found, table


def test_foreign_keys_are_indexed(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in ["arquivos", "compartilhamentos", "sessoes"]:
            indexed = {tuple(ix["column_names"])[0] for ix in inspector.get_indexes(table)}
            for fk in inspector.get_foreign_keys(table):
                assert fk["constrained_columns"][0] in indexed, (table, fk)


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
def test_mysql_types_engine_and_collation(app):
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE()")).all()
        tables = {r[0]: (r[1], r[2]) for r in rows}
        for name in REQUEST_COLUMNS:
            assert tables[name][0] == "InnoDB"
            assert tables[name][1].startswith("utf8mb4")
        cols = conn.execute(sa.text(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, COLLATION_NAME, EXTRA "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()")).all()
        info = {(r[0], r[1]): (r[2], r[3], r[4]) for r in cols}
    assert info[("usuarios", "id")][0].startswith("int")
    assert "auto_increment" in info[("usuarios", "id")][2]
    assert info[("usuarios", "nome")][0] == "varchar(255)"
    assert info[("usuarios", "email")][0] == "varchar(255)"
    assert info[("usuarios", "senha")][0] == "varchar(255)"
    assert info[("arquivos", "tipo")][0] == "varchar(50)"
    assert info[("arquivos", "caminho")][0] == "varchar(255)"
    assert info[("compartilhamentos", "link")][1] == "utf8mb4_bin"
    assert info[("compartilhamentos", "data_compartilhamento")][0] == "datetime"


@pytest.mark.parametrize(("first", "second"), [
    (("x@example.com", "x@example.com"), ("x@example.com", "x@example.com")),
    # another canonical address with the same skeleton (as a race past the service would)
    (("x@example.com", "x@example.com"), ("xé@example.com", "x@example.com")),
])
def test_email_and_its_skeleton_are_unique_at_the_database(app, first, second):
    from compartilha.models import User

    with app.app_context():
        db.session.add(User(name="a", email=first[0], email_skeleton=first[1], password_hash="h"))
        db.session.commit()
        db.session.add(User(name="b", email=second[0], email_skeleton=second[1],
                            password_hash="h"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("database", ["mysql"], indirect=True)
def test_emails_compare_byte_for_byte_on_mysql(app):
    """utf8mb4_unicode_ci would call `cárol@` and `carol@` equal; these columns must not."""
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN "
            "('email', 'email_esqueleto', 'destinatario_email', 'chave')")).all()
    assert {(r[0], r[1]): r[2] for r in rows} == {
        ("usuarios", "email"): "utf8mb4_bin", ("usuarios", "email_esqueleto"): "utf8mb4_bin",
        ("compartilhamentos", "destinatario_email"): "utf8mb4_bin",
        ("contadores", "chave"): "utf8mb4_bin", ("tokens_conta", "email"): "utf8mb4_bin",
        ("codigos_destinatario", "email"): "utf8mb4_bin",
        ("configuracoes", "chave"): "utf8mb4_bin", ("convites", "email"): "utf8mb4_bin"}
