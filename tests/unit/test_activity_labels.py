"""Every activity code the services record reads as words in the history, in the user's language."""
import ast
from pathlib import Path

import pytest

from app.activity_labels import FIELD_LABELS, LABELS, STEP_LABELS, action_label, declared_label, describe_change
from app.i18n import set_language
from app.services.ledger import ENTRY_KIND_LABELS
from app.workflows import FLOWS
from app.workflows.money import PAYMENT_KIND_LABELS

APP = Path(__file__).resolve().parents[2] / "app"
#: function -> (position of entity, position of action) in its arguments
LOGGERS = {"record": (2, 4), "log_event": (3, 5)}
#: entities whose recorded action may be a variable: a workflow step, an entry kind, a setting key
VARIABLE_ACTIONS = {"order", "parcel", "complaint", "seller_complaint", "journal_entry", "setting"}


def _calls(name: str):
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield path, node


def _literals(node: ast.expr | None) -> list[str] | None:
    """The strings an argument can be: a literal, or either literal branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _flow_named(name: str):
    """A workflow table by the constant a service passes (``STOCKTAKE_FLOW``)."""
    import importlib
    import pkgutil

    import app.workflows as package
    for info in pkgutil.iter_modules(package.__path__):
        found = getattr(importlib.import_module(f"app.workflows.{info.name}"), name, None)
        if found is not None:
            return found
    raise AssertionError(f"no workflow named {name}")


def _moved(pairs: set[tuple[str, str]], variable: set[str]) -> None:
    """What ``transitions.move`` logs: ``event`` (else the step's action) on ``entity`` (else
    the flow's name); calls with ``log=False`` write nothing."""
    for path, call in _calls("move"):
        if path.name == "transitions.py" or len(call.args) < 5:
            continue
        if isinstance(call.func, ast.Attribute) and getattr(call.func.value, "id", "") == "order_lifecycle":
            continue        # an order's step: logged under the order workflow's own labels
        kw = {k.arg: k.value for k in call.keywords}
        if isinstance(kw.get("log"), ast.Constant) and kw["log"].value is False:
            continue
        flow = call.args[3]
        assert isinstance(flow, ast.Name), f"{path.name}:{call.lineno}: the flow is not a table's name"
        entities = _literals(kw["entity"]) if "entity" in kw else [_flow_named(flow.id).name]
        assert entities is not None, f"{path.name}:{call.lineno}: the entity is not a literal"
        actions = _literals(kw.get("event", call.args[4]))
        if actions is None:
            variable.update(entities)
        else:
            pairs.update((e, a) for e in entities for a in actions)


def _recorded() -> tuple[set[tuple[str, str]], set[str]]:
    """(entity, action) pairs logged with literal codes, and the entities logged with a variable one."""
    pairs, variable = set(), set()
    _moved(pairs, variable)
    for name, (at_entity, at_action) in LOGGERS.items():
        for path, call in _calls(name):
            if len(call.args) <= at_action or path.name == "transitions.py":
                continue
            entities = _literals(call.args[at_entity])
            assert entities is not None, f"{path.name}:{call.lineno}: the entity is not a literal"
            actions = _literals(call.args[at_action])
            if actions is None:
                variable.update(entities)
            else:
                pairs.update((e, a) for e in entities for a in actions)
    return pairs, variable


def test_the_scan_finds_the_services_calls():
    pairs, variable = _recorded()
    assert {("order", "delay_flag"), ("parcel", "received_cn"), ("user", "login"), ("task", "closed"),
            ("task", "cancelled")} <= pairs
    assert variable == VARIABLE_ACTIONS


def test_every_recorded_action_has_a_declared_label():
    pairs, variable = _recorded()
    missing = sorted(p for p in pairs if declared_label(*p) is None)
    assert missing == []
    assert variable <= VARIABLE_ACTIONS, "a new kind of record logs a variable action: declare its labels"


def test_every_workflow_step_reads_as_its_step_label():
    steps: dict[tuple[str, str], set[str]] = {}     # where two flows of an entity differ, either
    for name, flow in FLOWS.items():
        for s in flow.steps:
            steps.setdefault((name.split(".")[0], s.action), set()).add(s.label)
    wrong = {key: declared_label(*key) for key, labels in steps.items() if declared_label(*key) not in labels}
    assert wrong == {}
    assert declared_label("order", "arrive_cn") == "Arrived in the China warehouse"
    assert declared_label("parcel", "take_back") == "Taken back from the customer"


def test_the_declared_table_does_not_shadow_a_workflow_step():
    shadowed = [key for key in LABELS if isinstance(key, tuple) and key[1] in STEP_LABELS.get(key[0], {})]
    assert shadowed == []


def test_every_journal_entry_kind_posted_has_a_label():
    kinds = set(PAYMENT_KIND_LABELS) | {"reversal"}
    for name in ("post", "post_lines"):      # the lines built inline, or by app/posting_rules.py
        for _path, call in _calls(name):
            if len(call.args) > 2 and (found := _literals(call.args[2])) is not None:
                kinds.update(found)
    assert {"deposit", "commission", "complaint_refund", "seller_recovery", "topup"} <= kinds
    assert sorted(k for k in kinds if k not in ENTRY_KIND_LABELS) == []
    assert all(declared_label("journal_entry", k) == ENTRY_KIND_LABELS[k] for k in kinds)


@pytest.mark.parametrize("entity,action,vietnamese", [
    ("parcel", "received_cn", "Đã nhận ở kho Trung Quốc"),
    ("order", "delay_flag", "Cờ trễ hạn thay đổi"),
    ("order", "arrive_cn", "Hàng về kho TQ"),
    ("order", "commissions_accrued", "Ghi nhận hoa hồng"),
    ("complaint", "opened", "Đã tạo khiếu nại"),
    ("journal_entry", "deposit", "Thu tiền cọc"),
    ("setting", "warehouse.weight_warning_kg", "Thay đổi cấu hình"),
])
def test_labels_come_out_in_the_users_language(entity, action, vietnamese):
    set_language("vi")
    assert action_label(entity, action) == vietnamese
    set_language("en")
    assert action_label(entity, action) != vietnamese and "_" not in action_label(entity, action)


def test_an_unknown_code_reads_as_its_words():
    assert action_label("order", "some_new_thing") == "some new thing"
    assert action_label("no_such_entity", "x") == "x"
    assert action_label("journal_entry", "odd_kind") == "odd kind"


@pytest.fixture
def vietnamese():
    set_language("vi")
    yield
    set_language("en")


@pytest.mark.parametrize("entity,before,after,vietnamese_text", [
    ("order.purchase", "draft", "new", "Trạng thái: Giỏ hàng (nháp) → Chờ đặt cọc"),
    ("order.consignment", "draft", "new", "Trạng thái: Giỏ hàng (nháp) → Chờ xác nhận"),
    ("order", "draft", "new", "Trạng thái: Giỏ hàng (nháp) → Đã gửi đơn"),
    ("parcel", "expected", "received_cn", "Trạng thái: Chờ nhận → Đã nhập kho TQ"),
    ("task", "open", "done", "Trạng thái: Mở → Đã xong"),
])
def test_a_status_reads_as_the_entitys_status_label(vietnamese, entity, before, after, vietnamese_text):
    assert describe_change(entity, {"status": before}, {"status": after}) == vietnamese_text


def test_ids_of_people_and_warehouses_read_as_names(vietnamese):
    names = {("user", 5): "Vũ Minh Đức", ("warehouse", 2): "Kho Hà Nội"}
    text = describe_change("order", {"ordering_staff_id": None, "destination_warehouse_id": 1},
                           {"ordering_staff_id": 5, "destination_warehouse_id": 2}, names)
    assert text == "Nhân viên đặt hàng: — → Vũ Minh Đức; Kho đích: 1 → Kho Hà Nội"
    # without names the number stays readable
    assert describe_change("task", None, {"assignee_id": 7}) == "Người phụ trách: — → 7"


def test_an_order_kind_and_booleans_read_as_words(vietnamese):
    text = describe_change("order", None, {"code": "DH0000006", "kind": "purchase"})
    assert text == "Mã: — → DH0000006; Loại: — → Đơn order hộ"
    assert describe_change("parcel", {"ownerless": True}, {"ownerless": False}) == "Vô chủ: Có → Không"


def test_an_unknown_key_reads_as_its_words_and_odd_values_do_not_fail():
    set_language("en")
    assert describe_change("order", {"some_new_field": 1}, {"some_new_field": 2}) == "some new field: 1 → 2"
    text = describe_change("order", None, {"rows": [{"user": 1, "cny": "1.00"}, {"user": 2}],
                                           "codes": ["A", "B", "C", "D"], "extra": {"a": 1},
                                           "total": "12.50 CNY", "due_at": "2026-01-02T03:04:05+00:00",
                                           "weight_kg": "1.500"})
    assert "Rows: — → 2 lines" in text
    assert "codes: — → A, B, C, …" in text
    assert "extra: — → 1 field" in text
    assert "12.50 CNY" not in text and "T03:04" not in text and "1.500" not in text
    assert describe_change("order", None, None) == ""


def test_every_field_label_is_a_message_with_no_code_in_it():
    assert all("_" not in msgid for msgid in FIELD_LABELS.values())


def test_a_tasks_kind_and_queue_read_as_their_names_not_codes():
    set_language("vi")
    text = describe_change("task", {}, {"kind": "count_differences", "role": "care"})
    assert text == "Loại: — → Chênh lệch khi kiểm đếm; Vai trò: — → CSKH"
    set_language("en")
    assert describe_change("task", {}, {"kind": "deliver"}) == "Type: — → Deliver"
