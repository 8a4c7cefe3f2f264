"""The layers hold: ``app/`` (rules, services, read models, the server) never imports Qt or the
desktop's ``ui`` package, at any depth and inside functions too, and a module of ``app/`` outside
``app/services`` never imports another module's private (``_``-prefixed) name.

Every ``import``/``from … import`` node of every module is read from its source (no module is
imported, so an import hidden in a function or behind a condition is found as well).
The services' own import graph (no circle, no private names) is tested with the services.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_ROOTS = ("PySide6", "shiboken6", "ui")


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(path: Path, root: Path, node: ast.ImportFrom) -> str:
    """The module a ``from … import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path, root: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, imported module, names taken from it) for every import node of the module, at
    any depth (functions, classes, conditions, ``try``), in line order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, _absolute(path, root, node), tuple(a.name for a in node.names)))
    return sorted(found)


def _private(name: str) -> bool:
    """``_helper`` is private; ``_`` (gettext) and ``__version__``-style names are not."""
    return name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))


def qt_or_ui_imports(root: Path = ROOT) -> list[str]:
    """Every import of Qt or ``ui`` in ``root/app``, as "path:line imports module"."""
    found = []
    for path in _modules(root / "app"):
        for line, module, _names in _imports(path, root):
            if module.split(".")[0] in FORBIDDEN_ROOTS:
                found.append(f"{path.relative_to(root).as_posix()}:{line} imports {module}")
    return found


def private_name_imports(root: Path = ROOT) -> list[str]:
    """Every private name a module of ``root/app`` (outside ``app/services``) takes from another."""
    found = []
    services = root / "app" / "services"
    for path in _modules(root / "app"):
        if services in path.parents:
            continue
        own = _module_name(path, root)
        for line, module, names in _imports(path, root):
            found += [f"{path.relative_to(root).as_posix()}:{line} imports {module}.{name}"
                      for name in names if _private(name) and module != own]
    return found


def test_app_never_imports_qt_or_ui():
    assert qt_or_ui_imports() == []


def test_app_modules_outside_services_never_import_a_private_name():
    assert private_name_imports() == []


def test_the_scan_sees_imports_at_any_depth_relative_ones_and_private_names(tmp_path):
    """The scan itself, on a made-up tree: an import hidden in a function, one behind a
    condition, a relative one; ``_`` (gettext) and ``__version__`` are not private names."""
    pkg = tmp_path / "app" / "pkg"
    pkg.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    if True:\n        from ui.app import run\n"
                              "    import PySide6.QtCore\n")
    (pkg / "b.py").write_text("from .a import _helper\nfrom app.i18n import _, N_\n"
                              "from app import __version__\nfrom . import _private_module\n")
    (tmp_path / "app" / "services").mkdir()
    (tmp_path / "app" / "services" / "s.py").write_text("from app.pkg.a import _helper\n")
    assert qt_or_ui_imports(tmp_path) == ["app/pkg/a.py:3 imports ui.app",
                                          "app/pkg/a.py:4 imports PySide6.QtCore"]
    assert private_name_imports(tmp_path) == ["app/pkg/b.py:1 imports app.pkg.a._helper",
                                              "app/pkg/b.py:4 imports app.pkg._private_module"]


def one_letter_aliases(root: Path = ROOT) -> list[str]:
    """Module-level one-letter names standing for a class, enum or module (``S = OrderStatus``,
    ``import x as P``): the reader must look up what ``P`` means in each module."""
    found = []
    for folder in ("app", "ui"):
        for path in _modules(root / folder):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(root).as_posix()
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                        and isinstance(node.targets[0], ast.Name) and len(node.targets[0].id) == 1 \
                        and isinstance(node.value, (ast.Name, ast.Attribute)):
                    found.append(f"{where}:{node.lineno} {node.targets[0].id} = {ast.unparse(node.value)}")
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found += [f"{where}:{node.lineno} as {a.asname}" for a in node.names
                              if a.asname and len(a.asname) == 1]
    return found


def test_no_one_letter_aliases():
    assert one_letter_aliases() == []
