"""Upload links as the services see them: options checked, a folder of their own, the
public token's answers, and limits that hold exactly under concurrent arrivals."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from compartilha.errors import (
    FolderNotFound,
    InvalidField,
    PasswordRequired,
    RequestEnded,
    RequestNotFound,
    TooLarge,
    WrongSharePassword,
)
from compartilha.extensions import db
from compartilha.models import File, FileRequest, Folder
from compartilha.models.columns import utcnow
from compartilha.services import accounts, file_requests


def test_a_link_gets_a_folder_of_its_own_under_recebidos(ctx, user):
    first = file_requests.create(user.id, title="  Fotos   do evento ")
    second = file_requests.create(user.id, title="Fotos do evento")
    folders = {f.id: f for f in db.session.scalars(db.select(Folder))}
    inbox = folders[first.folder_id].parent_id
    assert folders[inbox].name == "Recebidos" and folders[inbox].parent_id is None
    assert folders[first.folder_id].name == "Fotos do evento"
    assert folders[second.folder_id].name == "Fotos do evento (2)"
    assert folders[second.folder_id].parent_id == inbox  # one "Recebidos"
    assert len(first.token) == 43 and first.token != second.token
    assert file_requests.state(first) == "active"


def test_a_title_with_a_slash_names_a_folder_without_one(ctx, user):
    link = file_requests.create(user.id, title="Notas 2025/2026")
    assert db.session.get(Folder, link.folder_id).name == "Notas 2025-2026"
    assert link.title == "Notas 2025/2026"


def test_options_are_checked_together_and_nothing_is_made(ctx, user):
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    theirs = Folder(user_id=other.id, name="dela")
    db.session.add(theirs)
    db.session.commit()
    with pytest.raises(FolderNotFound):  # another's folder: 404, as everywhere
        file_requests.create(user.id, title="x", folder_id=theirs.id)
    with pytest.raises(InvalidField) as caught:
        file_requests.create(user.id, title=" ", max_files=0, password="abc",
                             expires_at=utcnow() - timedelta(days=1), max_file_bytes=10**15)
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"title", "max_files", "password", "expires_at", "max_file_bytes"}
    db.session.rollback()
    assert db.session.query(FileRequest).count() == 0
    assert db.session.query(Folder).count() == 1  # no "Recebidos" either


def test_change_keeps_the_token_and_a_null_password_removes_it(ctx, user):
    link = file_requests.create(user.id, title="Docs", password="segredo")
    token = link.token
    changed = file_requests.change(user.id, link.id, title="Documentos", password=None,
                                   max_files=3, require_name=True)
    assert (changed.token, changed.title, changed.password_hash, changed.max_files,
            changed.require_name) == (token, "Documentos", None, 3, True)
    with pytest.raises(RequestNotFound):
        file_requests.change(user.id + 1000, link.id, title="x")


def test_the_public_token_answers_404_410_and_asks_for_the_password(ctx, user):
    link = file_requests.create(user.id, title="Docs", password="segredo")
    assert file_requests.open_public(link.token).id == link.id
    for token in ("x", link.token.upper() if link.token.upper() != link.token else "A" * 43,
                  link.token + " "):
        with pytest.raises(RequestNotFound):
            file_requests.open_public(token)
    with pytest.raises(PasswordRequired):
        file_requests.check_password(link, None, "c")
    with pytest.raises(WrongSharePassword):
        file_requests.check_password(link, "errada", "c")
    file_requests.check_password(link, "segredo", "c")
    file_requests.revoke(user.id, link.id)
    with pytest.raises(RequestEnded) as ended:
        file_requests.open_public(link.token)
    assert (ended.value.status, ended.value.code) == (410, "request_revoked")


def test_precheck_refuses_what_cannot_fit(ctx, user):
    link = file_requests.create(user.id, title="Docs", max_files=1, max_file_bytes=100,
                                max_total_bytes=150)
    file_requests.precheck(link, 100)
    file_requests.precheck(link, None)
    with pytest.raises(TooLarge):
        file_requests.precheck(link, 101)
    link.bytes_received = 100
    with pytest.raises(TooLarge):
        file_requests.precheck(link, 51)
    link.files_received = 1
    with pytest.raises(RequestEnded) as ended:
        file_requests.precheck(link, 1)
    assert ended.value.code == "request_full"


def _arrive(app, link_id: int, user_id: int, size: int, barrier: threading.Barrier) -> bool:
    with app.app_context():
        link = db.session.get(FileRequest, link_id)
        db.session.commit()  # its connection goes back: the pool has fewer than 20
        barrier.wait(timeout=60)
        record = File(name=f"f{threading.get_ident()}", type="text/plain",
                      key=f"k/{threading.get_ident()}-{size}", user_id=user_id, size=size,
                      sha256="", folder_id=link.folder_id)
        db.session.add(record)
        try:
            file_requests.record_arrival(link, record, sender_name="Ana", sender_email=None,
                                         sent_name=record.name,
                                         sender_ip="192.0.2.1")
            db.session.commit()
            return True
        except (RequestEnded, TooLarge):
            db.session.rollback()
            return False
        finally:
            db.session.remove()


@pytest.mark.parametrize("limit", ["files", "bytes"])
def test_twenty_concurrent_arrivals_and_the_limit_holds_exactly(app, limit):
    with app.app_context():
        owner = accounts.register("Ana", "ana@example.com", "correct horse")
        link = file_requests.create(owner.id, title="Fotos", **(
            {"max_files": 3} if limit == "files" else {"max_total_bytes": 300}))
        ids = link.id, owner.id
    barrier = threading.Barrier(20)
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: _arrive(app, *ids, 100, barrier), range(20)))
    assert results.count(True) == 3
    with app.app_context():
        link = db.session.get(FileRequest, ids[0])
        received = db.session.scalars(db.select(File).where(File.request_id == link.id)).all()
        assert (link.files_received, link.bytes_received, len(received)) == (3, 300, 3)
        assert {r.sender_name for r in received} == {"Ana"}
        assert file_requests.state(link) == "full"
