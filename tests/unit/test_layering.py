"""Static layering rules (DESIGN.md, hard rules 1, 2, 3 and 7), checked on the source.

Every ``import``/``from ... import`` anywhere in a module counts (also inside
functions), and so do ``importlib.import_module("...")``-style calls with a
literal module name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import nova_lite

PACKAGE_DIR = Path(nova_lite.__file__).parent
DYNAMIC_IMPORTERS = {"import_module", "import_class", "import_object", "__import__"}


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in ``source``.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a module).
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(filter(None, [*anchor, base]))
            yield node.lineno, base
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                name in DYNAMIC_IMPORTERS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                yield node.lineno, first.value


def is_module(imported: str, root: str) -> bool:
    return imported == root or imported.startswith(root + ".")


def _sources(root: Path = PACKAGE_DIR) -> Iterator[tuple[str, str, list[tuple[int, str]]]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()  # nova_lite/compute/manager.py
        name = module_name(path, root)
        yield rel, name, list(imports_of(path.read_text(), name, path.name == "__init__.py"))


SOURCES = list(_sources())


def daemon_managers(root: Path = PACKAGE_DIR) -> dict[str, str]:
    """Daemon package -> its manager module, e.g. compute -> nova_lite.compute.manager."""
    return {path.parent.name: module_name(path, root) for path in sorted(root.glob("*/manager.py"))}


# -- the rules: each returns the violations of one module ------------------------------------


def library_violations(rel: str, imports: list[tuple[int, str]]) -> list[str]:
    """SQLAlchemy/oslo.db only in nova_lite/db/, libvirt only in nova_lite/virt/, no eventlet."""
    rules = [
        (("sqlalchemy", "oslo_db"), "nova_lite/db/"),
        (("libvirt",), "nova_lite/virt/"),
        (("eventlet",), None),
    ]
    found = []
    for line, imported in imports:
        for libraries, allowed_under in rules:
            if any(is_module(imported, lib) for lib in libraries):
                if allowed_under is None or not rel.startswith(allowed_under):
                    where = f"outside {allowed_under}" if allowed_under else "at all"
                    found.append(f"{rel}:{line} imports {imported} ({where})")
    return found


def manager_violations(
    rel: str, imports: list[tuple[int, str]], managers: dict[str, str]
) -> list[str]:
    """A daemon's manager may be imported by its own package and its own entry point
    (nova_lite/cmd/<daemon>.py) only; nova_lite/cmd/all.py runs them all."""
    if rel == "nova_lite/cmd/all.py":
        return []
    found = []
    for line, imported in imports:
        for daemon, manager in managers.items():
            if not is_module(imported, manager):
                continue
            own = rel.startswith(f"nova_lite/{daemon}/") or rel == f"nova_lite/cmd/{daemon}.py"
            if not own:
                found.append(f"{rel}:{line} imports {imported} (the {daemon} daemon's manager)")
    return found


# -- the tests on nova_lite ------------------------------------------------------------------


def test_the_walk_sees_the_package():
    names = {rel for rel, _name, _imports in SOURCES}
    assert "nova_lite/compute/manager.py" in names
    assert "nova_lite/db/api.py" in names
    assert {"compute", "conductor", "scheduler"} <= set(daemon_managers())
    db_imports = dict((rel, imports) for rel, _name, imports in SOURCES)["nova_lite/db/api.py"]
    assert any(is_module(imported, "sqlalchemy") for _line, imported in db_imports)


def test_database_libraries_libvirt_and_eventlet_stay_in_their_layer():
    found = [v for rel, _name, imports in SOURCES for v in library_violations(rel, imports)]
    assert not found, "\n".join(found)


def test_no_daemon_imports_another_daemons_manager():
    managers = daemon_managers()
    found = [
        v for rel, _name, imports in SOURCES for v in manager_violations(rel, imports, managers)
    ]
    assert not found, "\n".join(found)


# -- the checker itself can fail ---------------------------------------------------------------

MANAGERS = {
    "compute": "nova_lite.compute.manager",
    "conductor": "nova_lite.conductor.manager",
    "scheduler": "nova_lite.scheduler.manager",
}


@pytest.mark.parametrize(
    "rel, source",
    [
        ("nova_lite/compute/api.py", "import sqlalchemy"),
        ("nova_lite/objects/instance.py", "from sqlalchemy.orm import Session"),
        ("nova_lite/api/app.py", "def f():\n    from oslo_db import exception\n"),
        ("nova_lite/compute/manager.py", "import libvirt"),
        ("nova_lite/service.py", "import eventlet.green.threading"),
        ("nova_lite/virt/fake.py", "from eventlet import greenthread"),
        ("nova_lite/api/x.py", "import importlib\nimportlib.import_module('sqlalchemy')"),
    ],
)
def test_library_rule_catches(rel, source):
    name = rel[: -len(".py")].replace("/", ".")
    assert library_violations(rel, list(imports_of(source, name)))


@pytest.mark.parametrize(
    "rel, source",
    [
        ("nova_lite/compute/manager.py", "from nova_lite.conductor import manager"),
        ("nova_lite/compute/api.py", "import nova_lite.scheduler.manager"),
        ("nova_lite/scheduler/host_manager.py", "from nova_lite.compute.manager import X"),
        ("nova_lite/conductor/manager.py", "from ..compute import manager"),
        ("nova_lite/api/handlers/servers.py", "from nova_lite.compute import manager"),
        ("nova_lite/cmd/compute.py", "from nova_lite.conductor import manager"),
        ("nova_lite/service.py", "from nova_lite.scheduler.manager import SchedulerManager"),
    ],
)
def test_manager_rule_catches(rel, source):
    name = rel[: -len(".py")].replace("/", ".")
    assert manager_violations(rel, list(imports_of(source, name)), MANAGERS)


@pytest.mark.parametrize(
    "rel, source",
    [
        ("nova_lite/db/api.py", "import sqlalchemy\nfrom oslo_db import exception"),
        ("nova_lite/virt/libvirt/driver.py", "import libvirt"),
        ("nova_lite/compute/build.py", "from nova_lite.compute import manager"),
        ("nova_lite/compute/build.py", "from . import manager"),
        ("nova_lite/cmd/compute.py", "from nova_lite.compute import manager"),
        ("nova_lite/cmd/all.py", "from nova_lite.conductor import manager"),
        ("nova_lite/compute/api.py", "from nova_lite.conductor import rpcapi"),
        ("nova_lite/scheduler/host_manager.py", "import nova_lite.scheduler.host_manager"),
    ],
)
def test_rules_allow(rel, source):
    name = rel[: -len(".py")].replace("/", ".")
    imports = list(imports_of(source, name))
    assert not library_violations(rel, imports)
    assert not manager_violations(rel, imports, MANAGERS)
