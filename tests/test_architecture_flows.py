"""Architecture (issue 13): a status moves only through its workflow, and a screen never decides
by comparing a status itself.

* In ``app/`` nothing assigns ``.status`` (or ``.state``) but the workflow helper: services call
  ``app.services.transitions.move`` (or ``flow.apply``), which check the step in the table of
  ``app.workflows.FLOWS``; a Core UPDATE kept for speed takes its WHERE and SET from the table
  (``flow.sources(action)``, ``flow.target(action)``) and is not an attribute assignment.
* A service takes a step with ``transitions.move`` (orders: ``order_lifecycle.move``), which also
  stamps it and writes its activity event; a workflow's ``.apply(`` is called directly only by
  those two and by the places listed in ``DIRECT_STEPS`` (each with its reason; the list only shrinks).
* In ``ui/`` no comparison puts a status (``.status``, ``.state``, ``order_status`` …) beside a
  literal: a string, a set of them, an enum member (``OrderStatus.X``) or a module constant
  holding statuses. The view the screen reads carries ``actions`` and the ``can_…`` flags,
  computed in ``app/`` from the flow for the actor, so a rule changed in ``app/`` cannot
  silently disagree with its screen.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATUS_NAMES = ("status", "state")


def _moved_columns() -> tuple[str, ...]:
    """Every column a workflow moves: ``status``, and a second axis such as ``seal_check``."""
    from app.workflows import FLOWS

    return tuple(sorted({"status", "state"} | {f.attribute for f in FLOWS.values()}))

#: (file, function) allowed to assign a status: the workflow engine's one assignment
STATUS_HELPERS = {
    ("app/workflows/engine.py", "Workflow.apply"),
}


def _functions(tree: ast.AST):
    """(qualified name, node) of every node, by the function or class it is written in."""
    def walk(node: ast.AST, scope: str):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{scope}.{child.name}" if scope else child.name
                yield inner, child
                yield from walk(child, inner)
            else:
                yield scope, child
                yield from walk(child, scope)
    yield from walk(tree, "")


def _targets(node: ast.expr):
    if isinstance(node, (ast.Tuple, ast.List)):
        for e in node.elts:
            yield from _targets(e)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def status_assignments(root: Path, under: str = "app") -> list[tuple[str, str, int]]:
    """(file, function, line) of every assignment to a column a workflow moves (``status``,
    ``state``, ``seal_check``…), ``setattr`` with such a literal name included."""
    found = []
    moved = _moved_columns()
    for path in sorted((root / under).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for scope, node in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and len(node.args) == 3:
                name = node.args[1]
                # a literal moved column anywhere; the engine's computed one (its flow's column)
                if (isinstance(name, ast.Constant) and name.value in moved) or \
                        (not isinstance(name, ast.Constant) and rel == "app/workflows/engine.py"):
                    found.append((rel, scope, node.lineno))
                continue
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            else:
                continue
            for target in targets:
                for t in _targets(target):
                    if isinstance(t, ast.Attribute) and t.attr in moved:
                        found.append((rel, scope, node.lineno))
    return found


def _is_status(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in STATUS_NAMES or node.attr.endswith("_status")
    if isinstance(node, ast.Name):
        return node.id in STATUS_NAMES or node.id.endswith("_status")
    if isinstance(node, ast.Subscript):
        key = node.slice
        return _is_status(node.value) or (isinstance(key, ast.Constant) and key.value in STATUS_NAMES)
    if isinstance(node, ast.Call):
        return _is_status(node.func) or any(_is_status(a) for a in node.args)
    return False


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id[:1].isupper() and node.attr.isupper()    # OrderStatus.DRAFT, SH.OPEN
    if isinstance(node, ast.Name):
        return node.id.isupper()                                        # BILLABLE, SENT
    return False


def status_comparisons(root: Path, under: str = "ui") -> list[tuple[str, int, str]]:
    """(file, line, source) of every comparison of a status with a literal."""
    found = []
    for path in sorted((root / under).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(_is_status(s) for s in sides) and any(_is_literal(s) for s in sides):
                    found.append((rel, node.lineno, ast.unparse(node)))
    return found


#: files whose functions are the one way a step is taken (they call ``flow.apply`` and log it)
STEP_HELPERS = ("app/services/transitions.py", "app/services/order_lifecycle.py")

#: (file, function, flow) still calling a workflow's ``.apply(`` and writing its event by hand.
#: The list may only shrink: a new place goes through ``transitions.move``.
DIRECT_STEPS = {
    # The parcel steps are the scan stations' hot path (benchmarks/scan_station.py): most write
    # their event with writes.log_event's Core insert (batched by a station), not move's ORM record.
    ("app/services/shipments.py", "pack_in_transaction", "PARCEL_FLOW"):
        "the packing scan (and a returned parcel taken back on it): hot path, Core-inserted events",
    ("app/services/shipments.py", "unpack", "PARCEL_FLOW"):
        "a parcel step (kept with the others); its 'unpacked' event is written after the sack's counts change",
    ("app/services/shipments.py", "depart_shipment", "PARCEL_FLOW"):
        "each parcel of a departing sack, Core-inserted 'departed' events stamped with the sack's time",
    ("app/services/shipments.py", "receive_vn_in_transaction", "PARCEL_FLOW"):
        "the Vietnam receiving scan: hot path, Core-inserted event",
    ("app/services/shipments.py", "close_shipment", "PARCEL_FLOW"):
        "received parcels made ready on reconciliation, Core-inserted events",
    ("app/services/deliveries.py", "hand_over", "PARCEL_FLOW"):
        "each parcel of a delivery handed over, Core-inserted events carrying the delivery code",
    ("app/services/deliveries.py", "confirm_delivered", "PARCEL_FLOW"):
        "each parcel of a delivery delivered, Core-inserted 'delivered' events carrying the delivery code",
    ("app/services/deliveries.py", "delivery_failed", "PARCEL_FLOW"):
        "each parcel of a failed delivery back to stock, Core-inserted events",
}


def _is_flow(node: ast.expr) -> bool:
    """A workflow object: ``X_FLOW``, ``flow``, ``self.flow``, ``FLOWS[...]``."""
    if isinstance(node, ast.Subscript):
        return _is_flow(node.value) or (isinstance(node.value, (ast.Name, ast.Attribute))
                                        and (getattr(node.value, "id", None) or node.value.attr) == "FLOWS")
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.upper().endswith("FLOW")


def direct_steps(root: Path, under: str = "app") -> list[tuple[str, str, str, int]]:
    """(file, function, flow, line) of every ``<workflow>.apply(...)`` call."""
    found = []
    for path in sorted((root / under).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for scope, node in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "apply" and _is_flow(node.func.value)):
                found.append((rel, scope, ast.unparse(node.func.value), node.lineno))
    return found

def test_statuses_are_assigned_only_by_the_workflow_helper():
    allowed = STATUS_HELPERS      # orders too: order_lifecycle.move goes through the engine
    outside = [f"{path}:{line} in {scope or 'module'}" for path, scope, line in status_assignments(ROOT)
               if (path, scope) not in allowed]
    assert outside == [], "move the status through app.services.transitions.move"


def test_the_helper_is_where_the_scan_finds_it():
    """The allow-list names real places (a renamed helper must be renamed here too)."""
    found = {(path, scope) for path, scope, _line in status_assignments(ROOT)}
    assert STATUS_HELPERS <= found


def test_steps_are_taken_through_the_helper():
    """A service moves a status with transitions.move (orders with order_lifecycle.move), which
    takes the step, stamps it and writes its event, not with the flow's ``apply`` and a
    hand-written record."""
    outside = [f"{path}:{line} in {scope}: {flow}.apply" for path, scope, flow, line in direct_steps(ROOT)
               if path not in STEP_HELPERS and (path, scope, flow) not in DIRECT_STEPS]
    assert outside == [], "take the step with app.services.transitions.move(tx, actor, obj, flow, action, …)"


def test_the_left_places_are_still_there():
    """Each place left calling ``apply`` is real: one converted leaves the list with it."""
    found = {(path, scope, flow) for path, scope, flow, _line in direct_steps(ROOT)}
    assert set(DIRECT_STEPS) - found == set()
    assert all(reason.strip() for reason in DIRECT_STEPS.values())

def test_screens_compare_no_status_literal():
    found = [f"{path}:{line}: {source}" for path, line, source in status_comparisons(ROOT)]
    assert found == [], "give the view an allowed action or a can_… flag computed from its flow"


def test_the_scans_catch_what_they_are_meant_to(tmp_path):
    """The scans themselves: each form of assignment and comparison the rules forbid is found."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "m.py").write_text(
        "def f(o, p):\n"
        "    o.status = 'x'\n"
        "    o.status, o.at = 'y', 1\n"
        "    p.state += 's'\n"
        "class C:\n"
        "    def g(self):\n"
        "        self.status: str = 'z'\n", encoding="utf-8")
    assert [(s, line) for _p, s, line in status_assignments(tmp_path)] == [("f", 2), ("f", 3), ("f", 4), ("C.g", 7)]
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "s.py").write_text(
        "a = v.status == 'open'\n"
        "b = v.status in ('a', 'b')\n"
        "c = v.order_status not in BILLABLE\n"
        "d = self.view.status == OrderStatus.DRAFT\n"
        "e = v.can_accept\n"
        "f = v.kind == 'topup'\n", encoding="utf-8")
    assert [line for _p, line, _s in status_comparisons(tmp_path)] == [1, 2, 3, 4]
    (tmp_path / "app" / "svc.py").write_text(
        "def f(o, flow):\n"
        "    X_FLOW.apply(o, 'a', None)\n"
        "    flow.apply(o, 'a', None)\n"
        "    FLOWS['x'].apply(o, 'a', None)\n"
        "    self.apply(o)\n"
        "    by_key[k].apply(o, 1)\n", encoding="utf-8")
    assert [(s, flow, line) for p, s, flow, line in direct_steps(tmp_path) if p.endswith("svc.py")] == [
        ("f", "X_FLOW", 2), ("f", "flow", 3), ("f", "FLOWS['x']", 4)]
