"""Migrations on SQLite and MariaDB: 0005 puts existing emails in their canonical form (when
two accounts end up with one address, or look-alikes, the oldest keeps it); 0006 renames
columns into Portuguese, up and down, keeping every row."""

from __future__ import annotations

import os
import secrets

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from compartilha import create_app
from compartilha.extensions import db
from tests.conftest import MYSQL_SERVER, base_config


@pytest.fixture(params=["sqlite", "mysql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield request.param, f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"compartilha_migr_{os.getpid()}_{secrets.token_hex(3)}"
    server = sa.create_engine(MYSQL_SERVER + "/", connect_args={"connect_timeout": 3})
    try:
        with server.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 "
                                 "COLLATE utf8mb4_unicode_ci"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("REQUIRE_MYSQL") == "1":
            pytest.fail(f"MySQL is required (REQUIRE_MYSQL=1): {exc}")
        pytest.skip("MySQL/MariaDB not reachable")
    yield request.param, f"{MYSQL_SERVER}/{name}?charset=utf8mb4"
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    server.dispose()


def rows(conn, sql):
    return conn.execute(sa.text(sql)).all()


def test_existing_emails_become_canonical_and_the_oldest_keeps_a_contested_one(
        empty_database, tmp_path, monkeypatch):
    kind, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    old = [(1, "carol@example.com"), (2, "Dave@Example.COM"), (3, "<script>@x.y")]
    if kind == "sqlite":  # MariaDB's collation already refused these twins
        old += [(4, "ｃarol@example.com"), (5, "cárol@example.com")]
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            for user_id, email in old:
                conn.execute(sa.text("INSERT INTO usuarios (id, nome, email, senha, created_at)"
                                     " VALUES (:i, 'n', :e, 'h', '2026-01-01 00:00:00')"),
                             {"i": user_id, "e": email})
            conn.execute(sa.text("INSERT INTO arquivos (id, nome, tipo, caminho, usuario_id, "
                                 "tamanho, sha256, created_at) VALUES (1, 'a', 't', 'k', 1, 0,"
                                 " '', '2026-01-01 00:00:00')"))
            conn.execute(sa.text("INSERT INTO compartilhamentos (id, arquivo_id, usuario_id, "
                                 "link, data_compartilhamento, downloads, reservados, "
                                 "destinatario_email) VALUES (1, 1, 1, 't', "
                                 "'2026-01-01 00:00:00', 0, 0, 'ＤＡＶＥ@example.com')"))
        upgrade()
        with db.engine.connect() as conn:
            users = dict(rows(conn, "SELECT id, email FROM usuarios"))
            skeletons = dict(rows(conn, "SELECT id, email_esqueleto FROM usuarios"))
            [(recipient,)] = rows(conn, "SELECT destinatario_email FROM compartilhamentos")
            files = rows(conn, "SELECT id FROM arquivos")
        assert users[1] == "carol@example.com" and users[2] == "dave@example.com"
        assert users[3] == "<script>@x.y"  # no longer valid: kept, folded, still logs in
        assert recipient == "dave@example.com"
        assert skeletons[1] == "carol@example.com"
        if kind == "sqlite":
            assert users[4] == "conflito-4@email.invalid"
            assert users[5] == "conflito-5@email.invalid"
        assert files == [(1,)]  # nothing else changed
        # and back, and forth again
        downgrade(revision="0004")
        upgrade()
        db.engine.dispose()


def test_a_renamed_account_gets_a_new_address_from_the_operator(runner, auth, app):
    account = auth.register(email="ana@example.com")
    auth.register(email="bia@example.com")
    with app.app_context():
        from compartilha.models import User

        user_id = db.session.query(User.id).filter_by(email="ana@example.com").scalar()
    taken = runner.invoke(args=["set-email", str(user_id), "Bía@example.com"])
    assert taken.exit_code != 0 and "email" in taken.output
    done = runner.invoke(args=["set-email", str(user_id), "Ana.Nova@Example.com"])
    assert done.exit_code == 0, done.output
    assert "ana.nova@example.com" in done.output
    account.email = "ana.nova@example.com"
    assert auth.login(account).token


OLD_ROWS = [
    "INSERT INTO usuarios (id, nome, email, email_esqueleto, senha, created_at) VALUES "
    "(1, 'n', 'a@b.c', 'a@b.c', 'h', '2026-01-01 00:00:00')",
    "INSERT INTO arquivos (id, nome, tipo, caminho, usuario_id, tamanho, sha256, created_at) "
    "VALUES (1, 'a', 't', 'k', 1, 0, '', '2026-01-02 00:00:00')",
    "INSERT INTO sessoes (jti, usuario_id, created_at, expires_at, revoked_at, ip, user_agent) "
    "VALUES ('j', 1, '2026-01-03 00:00:00', '2026-01-04 00:00:00', NULL, '::1', 'curl')",
    "INSERT INTO compartilhamentos (id, arquivo_id, usuario_id, link, data_compartilhamento, "
    "revoked_at, max_downloads, downloads, reservados) VALUES "
    "(1, 1, 1, 't', '2026-01-05 00:00:00', '2026-01-06 00:00:00', 3, 0, 0)",
    "INSERT INTO acessos (id, compartilhamento_id, data, ip, user_agent, bytes_enviados) "
    "VALUES (1, 1, '2026-01-07 00:00:00', '::1', 'wget', 0)",
    "INSERT INTO envios (id, token, usuario_id, nome, tipo, tamanho, recebidos, armazenamento,"
    " created_at, expira_em) VALUES (1, 'tok', 1, 'x', 't', 1, 0, 'h', '2026-01-08 00:00:00',"
    " '2026-01-09 00:00:00')",
]
RENAMED = {  # table: (old column, new column, the value inserted above)
    "usuarios": [("created_at", "criado_em", "2026-01-01")],
    "arquivos": [("created_at", "criado_em", "2026-01-02")],
    "sessoes": [("created_at", "criado_em", "2026-01-03"), ("expires_at", "expira_em",
                                                           "2026-01-04"),
                ("user_agent", "agente_usuario", "curl")],
    "compartilhamentos": [("revoked_at", "revogado_em", "2026-01-06"),
                          ("max_downloads", "limite_downloads", "3")],
    "acessos": [("user_agent", "agente_usuario", "wget")],
    "envios": [("created_at", "criado_em", "2026-01-08")],
}


def columns_of(conn) -> dict[str, list[str]]:
    inspector = sa.inspect(conn)
    return {table: sorted(c["name"] for c in inspector.get_columns(table))
            for table in inspector.get_table_names() if table != "alembic_version"}


def values(conn, which: int) -> dict[str, list[str]]:
    query = "SELECT {} FROM {}"  # fixed names from RENAMED
    return {table: [str(conn.execute(sa.text(query.format(pair[which], table))).scalar())
                    for pair in pairs] for table, pairs in RENAMED.items()}


def test_columns_are_renamed_in_portuguese_keeping_rows_and_back(empty_database, tmp_path,
                                                                 monkeypatch):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    _, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
            before = columns_of(conn)
        upgrade()
        with db.engine.connect() as conn:
            renamed = values(conn, 1)
            # the models and the migrated database name the same columns
            changes = compare_metadata(MigrationContext.configure(conn), db.metadata)
            counts = {t: conn.execute(sa.text("SELECT COUNT(*) FROM " + t)).scalar()  # noqa: S608
                      for t in RENAMED}
        assert all(value.startswith(expected) for table, pairs in RENAMED.items()
                   for (_, _, expected), value in zip(pairs, renamed[table], strict=True))
        assert counts == dict.fromkeys(RENAMED, 1)  # nothing cascaded away
        assert [c for c in changes if c[0] in ("add_column", "remove_column", "add_table",
                                               "remove_table")] == []
        downgrade(revision="0005")
        with db.engine.connect() as conn:
            assert columns_of(conn) == before
            assert values(conn, 0) == renamed
        upgrade()
        db.engine.dispose()


def test_finished_and_partial_upload_columns_keep_rows_and_go_back(empty_database, tmp_path,
                                                                   monkeypatch):
    _, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as conn:
            assert rows(conn, "SELECT token_envio FROM arquivos") == [(None,)]
            assert rows(conn, "SELECT parcial FROM envios") in ([(0,)], [(False,)])
        downgrade(revision="0006")
        with db.engine.connect() as conn:
            assert "token_envio" not in columns_of(conn)["arquivos"]
            assert "parcial" not in columns_of(conn)["envios"]
            assert rows(conn, "SELECT COUNT(*) FROM arquivos") == [(1,)]
        upgrade()
        db.engine.dispose()


def test_notification_tables_and_a_links_options_keep_rows_and_go_back(empty_database,
                                                                        tmp_path, monkeypatch):
    _, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
        upgrade(revision="0011")
        with db.engine.connect() as conn:
            # an existing link sends no mail until its owner asks; its receipts stay
            assert rows(conn, "SELECT notificar_download, aviso_expira_em, aviso_esgotado_em "
                              "FROM compartilhamentos") in ([(0, None, None)],
                                                            [(False, None, None)])
            assert rows(conn, "SELECT COUNT(*) FROM acessos") == [(1,)]
        downgrade(revision="0008")
        with db.engine.connect() as conn:
            tables = columns_of(conn)
            assert "notificar_download" not in tables["compartilhamentos"]
            assert not {"notificacoes", "webhooks", "entregas_webhook"} & set(tables)
            assert rows(conn, "SELECT COUNT(*) FROM acessos") == [(1,)]
        upgrade()
        db.engine.dispose()


def test_roles_make_the_oldest_existing_account_the_admin_and_go_back(empty_database,
                                                                      tmp_path, monkeypatch):
    _, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
            conn.execute(sa.text(
                "INSERT INTO usuarios (id, nome, email, email_esqueleto, senha, created_at) "
                "VALUES (2, 'm', 'm@b.c', 'm@b.c', 'h', '2026-02-01 00:00:00')"))
        upgrade(revision="0018")
        with db.engine.connect() as conn:
            assert rows(conn, "SELECT id, papel, desativado_em, cota_bytes FROM usuarios "
                              "ORDER BY id") == [(1, "admin", None, None),
                                                 (2, "user", None, None)]
            assert rows(conn, "SELECT nome_enviado FROM arquivos") == [(None,)]
        downgrade(revision="0016")
        with db.engine.connect() as conn:
            tables = columns_of(conn)
            assert "papel" not in tables["usuarios"] and "nome_enviado" not in tables["arquivos"]
            assert rows(conn, "SELECT COUNT(*) FROM usuarios") == [(2,)]
        upgrade()
        db.engine.dispose()


def test_administration_tables_arrive_empty_keep_rows_and_go_back(empty_database, tmp_path,
                                                                 monkeypatch):
    _, url = empty_database
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
        upgrade(revision="0019")
        with db.engine.connect() as conn:
            assert rows(conn, "SELECT cota_arquivos FROM usuarios") == [(None,)]
            assert rows(conn, "SELECT verificacao FROM arquivos") == [(None,)]
            for table in ("configuracoes", "convites", "auditoria"):
                assert rows(conn, f"SELECT COUNT(*) FROM {table}") == [(0,)]  # noqa: S608
        downgrade(revision="0018")
        with db.engine.connect() as conn:
            tables = columns_of(conn)
            assert not {"configuracoes", "convites", "auditoria"} & set(tables)
            assert "cota_arquivos" not in tables["usuarios"]
            assert "verificacao" not in tables["arquivos"]
            assert rows(conn, "SELECT COUNT(*) FROM arquivos") == [(1,)]
        upgrade()
        db.engine.dispose()
