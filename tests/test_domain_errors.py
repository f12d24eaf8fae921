"""Every domain error lives in `compartilha.errors`, each with a code of its own, so a
client (and a page) can tell any two apart by `error.code` alone."""

from __future__ import annotations

import importlib
import pkgutil

import compartilha
from compartilha.errors import AppError, TusError


def domain_errors() -> list[type[AppError]]:
    for module in pkgutil.walk_packages(compartilha.__path__, "compartilha."):
        importlib.import_module(module.name)
    found, todo = [], [AppError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_domain_error_is_defined_in_the_errors_module():
    assert {cls.__module__ for cls in domain_errors()} == {"compartilha.errors"}


def test_every_domain_error_has_its_own_code():
    # TusError carries the code given where it is raised (tus protocol errors).
    codes = [cls.code for cls in domain_errors() if cls is not TusError]
    assert sorted(code for code in codes if codes.count(code) > 1) == []
