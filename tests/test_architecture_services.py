"""The service layer's shape, read from the source (no database): a one-way import graph, no
module reaching into another's private names, and one door for an order's status.

- A module of ``app.services`` imports no name starting with "_" from another module (at any
  depth: imports inside functions count too), nor reads one off an imported module.
- The import graph of ``app.services.*`` (function-level imports included) has no cycle.
- An order's status is set only by ``app.services.order_lifecycle`` (``move`` and its Core fast
  path): nowhere else in ``app/`` is an order's ``.status`` assigned, an order workflow applied,
  an order created at any status but a cart's, or an UPDATE of the orders table given a status.
- Every step of both order workflows has its effect in ``order_lifecycle.EFFECTS`` and the scan
  path's quiet steps are read from that table.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "app" / "services"
LIFECYCLE = SERVICES / "order_lifecycle.py"
ENGINE = ROOT / "app" / "workflows" / "engine.py"


def _service_modules(services: Path = SERVICES) -> dict[str, ast.Module]:
    """Every module under app/services by its dotted name below ``app.services``: ``orders``,
    and in a package ``complaints`` (its ``__init__``) and ``complaints.lifecycle``."""
    found = {}
    for p in sorted(services.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        parts = list(p.relative_to(services).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            found[".".join(parts)] = ast.parse(p.read_text(encoding="utf-8"), str(p))
    return found


def _absolute(name: str, node: ast.ImportFrom, known: set[str]) -> str:
    """The module an ``from … import`` names, relative imports resolved against the importer."""
    if not node.level:
        return node.module or ""
    package = name.split(".") if name in known and _is_package(name, known) else name.split(".")[:-1]
    base = package[:len(package) - (node.level - 1)]
    return ".".join(["app", "services", *base] + ([node.module] if node.module else []))


def _is_package(name: str, known: set[str]) -> bool:
    return any(k.startswith(name + ".") for k in known)


def _imports(name: str, tree: ast.Module, known: set[str]):
    """(imported service module, imported name or None, line) for every import in the module,
    at any depth; ``from app.services import x`` (or ``from app.services.pkg import x``) is an
    import of module x when x is a module, else of the name x from the package's ``__init__``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or node.level):
            module = _absolute(name, node, known)
            if module == "app.services" or module.startswith("app.services."):
                package = module[len("app.services."):] if module != "app.services" else ""
                for a in node.names:
                    sub = f"{package}.{a.name}" if package else a.name
                    if sub in known:
                        yield sub, None, node.lineno
                    elif package:
                        yield _known_prefix(package, known), a.name, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("app.services."):
                    yield _known_prefix(a.name[len("app.services."):], known), None, node.lineno


def _known_prefix(dotted: str, known: set[str]) -> str:
    """The longest known module a dotted name starts with (a name may follow the module)."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in known:
            return ".".join(parts[:n])
    return parts[0]


def _graph(modules: dict[str, ast.Module] | None = None) -> dict[str, set[str]]:
    modules = _service_modules() if modules is None else modules
    known = set(modules)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, tree in modules.items():
        for target, _imported, _line in _imports(name, tree, known):
            if target in known and target != name:
                edges[name].add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _private_name_offences(modules: dict[str, ast.Module]) -> list[str]:
    known = set(modules)
    offences = []
    for name, tree in modules.items():
        aliases: set[str] = set()     # names an imported service module is known by here
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or node.level):
                module = _absolute(name, node, known)
                package = module[len("app.services."):] if module.startswith("app.services.") else ""
                if module == "app.services" or package:
                    aliases |= {a.asname or a.name for a in node.names
                                if (f"{package}.{a.name}" if package else a.name) in known
                                and (f"{package}.{a.name}" if package else a.name) != name}
        for target, imported, line in _imports(name, tree, known):
            if target != name and imported is not None and imported.startswith("_"):
                offences.append(f"{name}:{line} imports {target}.{imported}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                offences.append(f"{name}:{node.lineno} reads {node.value.id}.{node.attr}")
    return offences


def test_no_service_module_imports_another_modules_private_names():
    assert _private_name_offences(_service_modules()) == []


def test_the_service_import_graph_has_no_cycle():
    assert _cycles(_graph()) == []


def test_the_scans_see_inside_a_package(tmp_path):
    """A package's modules are scanned like the others: a private name imported from a sibling
    (absolute or relative) or read off the package, and a circle through the package's
    ``__init__``, are found."""
    files = {
        "pkg/__init__.py": "from app.services.pkg.one import run\n",
        "pkg/one.py": "from app.services.pkg.two import _helper\nfrom app.services.pkg import run\n",
        "pkg/two.py": "def _helper():\n    pass\n",
        "other.py": "from app.services import pkg\npkg._x\nfrom .pkg.two import _helper\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    modules = _service_modules(tmp_path)
    assert set(modules) == {"pkg", "pkg.one", "pkg.two", "other"}
    assert sorted(_private_name_offences(modules)) == [
        "other:2 reads pkg._x", "other:3 imports pkg.two._helper", "pkg.one:1 imports pkg.two._helper"]
    assert _cycles(_graph(modules)) == [["pkg", "pkg.one"]]


def test_the_cycle_finder_finds_a_cycle():
    """The check above would see a circle (and only the modules on it)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# -- one door for an order's status -----------------------------------------------------------------

_ORDER_FLOWS = {"PURCHASE_FLOW", "CONSIGNMENT_FLOW"}
_CART = {"DRAFT"}


def _is_order_annotation(node: ast.AST | None) -> bool:
    return node is not None and "Order" in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} \
        and not any(isinstance(n, ast.Name) and n.id != "Order" and n.id.endswith("Order")
                    for n in ast.walk(node))


def _makes_order(value: ast.AST) -> bool:
    """``Order(...)``, ``x.get(Order, ...)``, ``lock_order(...)``: an expression giving an order."""
    if not isinstance(value, ast.Call):
        return False
    f = value.func
    if isinstance(f, ast.Name) and f.id in {"Order", "lock_order"}:
        return True
    if isinstance(f, ast.Attribute) and f.attr in {"get", "lock_order"}:
        return f.attr == "lock_order" or (bool(value.args) and isinstance(value.args[0], ast.Name)
                                          and value.args[0].id == "Order")
    return False


def _order_names(fn: ast.AST) -> set[str]:
    """Names that hold an order in a function: ``order``, parameters and variables annotated
    ``Order``, variables assigned an order."""
    names = {"order"}
    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for a in fn.args.args + fn.args.kwonlyargs:
            if _is_order_annotation(a.annotation):
                names.add(a.arg)
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _makes_order(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and (_is_order_annotation(node.annotation) or (node.value is not None and _makes_order(node.value))):
            names.add(node.target.id)
    return names


def _is_status_key(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and node.value == "status") or \
        (isinstance(node, ast.Attribute) and node.attr == "status")


def _status_offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(ROOT)
    out: list[str] = []
    tables = {t.id for node in tree.body if isinstance(node, ast.Assign)
              for t, v in _pairs(node) if isinstance(t, ast.Name) and _is_orders_table(v)}
    flows = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
             for t, v in _pairs(node) if isinstance(t, ast.Name) and _is_order_flow(v)}
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for fn in [tree, *functions]:
        names = _order_names(fn) if fn is not tree else set()
        for node in ast.walk(fn):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                for leaf in ast.walk(t):
                    if isinstance(leaf, ast.Attribute) and leaf.attr == "status" \
                            and isinstance(leaf.value, ast.Name) and leaf.value.id in names:
                        out.append(f"{where}:{leaf.lineno} sets {leaf.value.id}.status")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and len(node.args) > 1 and isinstance(node.args[0], ast.Name) and node.args[0].id in names \
                    and _is_status_key(node.args[1]):
                out.append(f"{where}:{node.lineno} sets {node.args[0].id}.status")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        # an order workflow applied: PURCHASE_FLOW.apply(...), flow_for(kind).apply(...), flow.apply(...)
        if isinstance(f, ast.Attribute) and f.attr == "apply" and (
                _is_order_flow(f.value) or (isinstance(f.value, ast.Name) and f.value.id in flows)):
            out.append(f"{where}:{node.lineno} applies an order workflow")
        # an order made at another status than a cart's
        if isinstance(f, ast.Name) and f.id == "Order":
            for kw in node.keywords:
                if kw.arg == "status" and not _is_cart(kw.value):
                    out.append(f"{where}:{node.lineno} creates an order at a status")
        # a Core UPDATE of the orders table setting its status
        if isinstance(f, ast.Attribute) and f.attr == "values" and _updates_orders(f.value, tables):
            keys = [kw.arg for kw in node.keywords] + [k for a in node.args if isinstance(a, ast.Dict)
                                                       for k in a.keys]
            if any(k == "status" or (k is not None and not isinstance(k, str) and _is_status_key(k))
                   for k in keys) or any(_mentions_status(a) for a in node.args):
                out.append(f"{where}:{node.lineno} updates an order's status with SQL")
    return out


def _pairs(node: ast.Assign):
    for t in node.targets:
        if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple):
            yield from zip(t.elts, node.value.elts)
        else:
            yield t, node.value


def _is_orders_table(v: ast.AST) -> bool:
    return isinstance(v, ast.Attribute) and v.attr == "__table__" and isinstance(v.value, ast.Name) \
        and v.value.id == "Order"


def _is_order_flow(v: ast.AST) -> bool:
    if isinstance(v, ast.Name):
        return v.id in _ORDER_FLOWS
    if isinstance(v, ast.Call):
        f = v.func
        return (isinstance(f, ast.Name) and f.id == "flow_for") or \
            (isinstance(f, ast.Attribute) and f.attr == "flow_for")
    return False


def _is_cart(v: ast.AST) -> bool:
    names = {n.attr for n in ast.walk(v) if isinstance(n, ast.Attribute)} | \
        {n.value for n in ast.walk(v) if isinstance(n, ast.Constant)}
    return bool(names & (_CART | {"draft"}))


def _updates_orders(chain: ast.AST, tables: set[str]) -> bool:
    for node in ast.walk(chain):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id == "update" and node.args and \
                    isinstance(node.args[0], ast.Name) and node.args[0].id == "Order":
                return True
            if isinstance(f, ast.Attribute) and f.attr == "update" and (
                    _is_orders_table(f.value) or (isinstance(f.value, ast.Name) and f.value.id in tables)):
                return True
    return False


def _mentions_status(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and n.value == "status" for n in ast.walk(node)) or \
        any(isinstance(n, ast.Attribute) and n.attr == "status" for n in ast.walk(node))


def test_only_the_order_lifecycle_sets_an_orders_status():
    offences = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path in (LIFECYCLE, ENGINE):
            continue
        offences += _status_offences(path)
    assert offences == []


def test_the_status_check_sees_each_way_of_setting_it(tmp_path):
    """The check above would see an assignment, a workflow applied, an order made at a status
    and a Core UPDATE — and leaves other things' statuses alone."""
    bad = tmp_path / "bad.py"
    bad.write_text('''
from app.models import Order, Quote
_o = Order.__table__
def a(tx, order): order.status = "accepted"
def b(tx, x: Order): flow_for(x.kind).apply(x, "accept", actor)
def c(tx):
    new = tx.get(Order, 1)
    new.status = "lost"
def d(tx): tx.add(Order(code="x", status=S.ACCEPTED.value))
def e(tx): tx.execute(_o.update().values(status="lost"))
def f(tx, q: Quote): q.status = "taken"
def g(tx): tx.add(Order(code="x", status=S.DRAFT.value))
''')
    found = [line.split(" ", 1)[1] for line in _status_offences_at(bad, tmp_path)]
    assert found == ["sets order.status", "sets new.status", "applies an order workflow",
                     "creates an order at a status", "updates an order's status with SQL"]


def _status_offences_at(path: Path, root: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, root
    try:
        return _status_offences(path)
    finally:
        ROOT = saved


# -- the lifecycle's tables --------------------------------------------------------------------------

def test_every_order_step_has_one_effect_and_the_fast_path_reads_the_table():
    from app.services import order_lifecycle
    from app.workflows.orders import CONSIGNMENT_FLOW, PURCHASE_FLOW

    actions = set(PURCHASE_FLOW.actions) | set(CONSIGNMENT_FLOW.actions)
    assert set(order_lifecycle.EFFECTS) == actions
    assert order_lifecycle.QUIET_STEPS == {a for a, e in order_lifecycle.EFFECTS.items() if e.quiet}
    # the steps a receiving or delivery scan takes on its own are quiet (the station's hot path)
    assert {"arrive_cn", "start_delivery"} <= order_lifecycle.QUIET_STEPS
    # a step that tells someone, opens a task or moves money is not
    assert not {"submit", "deposit", "accept", "mark_purchased", "cancel", "depart_cn", "arrive_vn",
                "deliver", "confirm_received"} & order_lifecycle.QUIET_STEPS
