"""Every setting an administrator can change changes something: a declared setting that no rule
reads is a promise the product does not keep (three task due times were read by nothing)."""
import ast
import re
from pathlib import Path

from app.settings import SETTINGS, STAGE_HOURS_SETTINGS, TASK_DUE_SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for d in ("app", "ui") for p in (ROOT / d).rglob("*.py")
            if p != ROOT / "app" / "settings.py"}


#: the functions that open a task (tasks.open_task, and the module's own _new_task for hand-written
#: tasks); both take (tx, actor, kind, role, title, entity, entity_id, due_in, due_at, …)
OPENERS = ("open_task", "_new_task")


def _opened_task_kinds(sources) -> set[str]:
    """Task kinds some service opens due after their own setting: open_task(tx, actor, TaskKind.X, …)
    without a due time computed in the call (``due_in=default_due_in(tx, OTHER_KIND)`` reads
    another kind's setting; a plain variable may be None, and then the kind's own is read)."""
    kinds = set()
    for text in sources.values():
        for node in ast.walk(ast.parse(text)):
            if not (isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) in OPENERS):
                continue
            due = node.args[7:9] + [k.value for k in node.keywords if k.arg in ("due_in", "due_at")]
            if any(isinstance(v, ast.Call) or (isinstance(v, ast.Constant) and v.value is not None) for v in due):
                continue
            for arg in node.args[2:3]:
                if isinstance(arg, ast.Attribute):
                    kinds.add(arg.attr.lower())
                elif isinstance(arg, ast.Constant):
                    kinds.add(str(arg.value))
    return kinds


def _fstring_patterns(sources) -> list[re.Pattern]:
    """Keys built at run time, like f"complaints.{platform}_confirm_days"."""
    patterns = []
    for text in sources.values():
        for m in re.finditer(r'f"([a-z_]+\.[^"]*\{[^"]*)"', text):
            patterns.append(re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[a-z0-9_]+", re.escape(m.group(1))) + "$"))
    return patterns


def test_every_declared_setting_is_read_by_some_rule():
    sources = _sources()
    everything = "\n".join(sources.values())
    opened = _opened_task_kinds(sources)
    patterns = _fstring_patterns(sources)
    stage_read = "STAGE_HOURS_SETTINGS" in everything
    unread = []
    for setting in (SETTINGS.values() if isinstance(SETTINGS, dict) else SETTINGS):
        key = setting.key
        if f'"{key}"' in everything or any(p.match(key) for p in patterns):
            continue
        if key in TASK_DUE_SETTINGS.values():
            kinds = [k for k, v in TASK_DUE_SETTINGS.items() if v == key]
            if any(k in opened for k in kinds):
                continue
        if stage_read and key in STAGE_HOURS_SETTINGS.values():
            continue
        unread.append(key)
    assert unread == []


def test_the_check_sees_a_task_kind_nobody_opens():
    sources = {Path("x.py"): "open_task(tx, actor, TaskKind.DELIVER, Role.X, 't')"}
    assert _opened_task_kinds(sources) == {"deliver"}


def test_a_kind_opened_only_with_another_kinds_due_time_does_not_read_its_own():
    sources = {Path("x.py"): "open_task(tx, actor, TaskKind.COUNT_DIFFERENCES, Role.CARE, 't', 'order', 1,\n"
                             "          due_in=default_due_in(tx, TaskKind.COMPLAINT_CARE))\n"
                             "open_task(tx, actor, TaskKind.DELIVER, Role.X, 't', due_at=when)\n"
                             "_new_task(tx, actor, TaskKind.OTHER, role, title, None, None, None, due_at, who, '')"}
    assert _opened_task_kinds(sources) == {"deliver", "other"}
