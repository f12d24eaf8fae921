"""The storage interface declares every method, and every backend implements each one
with the same signature (as warehouse's verifyClass does for its storages)."""

from __future__ import annotations

import inspect

import pytest

from compartilha.storage.interface import Storage
from compartilha.storage.local import LocalStorage
from compartilha.storage.s3 import S3Storage

DERIVED = {"upload_published"}  # defined once in the interface from `exists`


def public_methods(cls: type) -> set[str]:
    return {name for name, value in vars(cls).items()
            if callable(value) and not name.startswith("_")}


def test_every_method_of_the_interface_is_abstract():
    assert public_methods(Storage) - DERIVED == Storage.__abstractmethods__


@pytest.mark.parametrize("backend", [LocalStorage, S3Storage])
def test_a_backend_implements_every_method_with_its_signature(backend):
    assert not inspect.isabstract(backend)
    for name in Storage.__abstractmethods__:
        declared = inspect.signature(getattr(Storage, name))
        implemented = inspect.signature(getattr(backend, name))
        assert list(implemented.parameters) == list(declared.parameters), name


def test_only_a_local_folder_has_local_paths(tmp_path):
    local = LocalStorage(tmp_path / "root")
    assert local.local_path("ab/cd") == tmp_path / "root" / "ab" / "cd"
    assert S3Storage("bucket").local_path("ab/cd") is None
