"""Meta-tests over the declared tables: workflows, permissions, queues and settings cannot drift."""
from collections import deque

import pytest

from app.permissions import MATRIX, Perm, Role
from app.queries.queues import QUEUES
from app.settings import SETTINGS
from app.workflows import FLOWS


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_status_is_reachable_from_the_initial_one(name):
    flow = FLOWS[name]
    seen, todo = {flow.initial, *flow.entries}, deque([flow.initial, *flow.entries])
    while todo:
        for s in flow.steps_from(todo.popleft()):
            if s.target not in seen:
                seen.add(s.target)
                todo.append(s.target)
    assert seen == set(flow.statuses)


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_step_names_known_roles_and_a_label(name):
    for s in FLOWS[name].steps:
        assert s.roles and s.roles <= set(Role), s.action
        assert s.label, s.action


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_terminal_statuses_have_no_way_out(name):
    flow = FLOWS[name]
    for status in flow.terminal:
        assert flow.steps_from(status) == [], status


def test_every_permission_is_granted_to_some_person():
    granted = set().union(*(perms for role, perms in MATRIX.items() if role is not Role.SYSTEM))
    assert granted == set(Perm)


def test_no_role_outside_admin_manages_users():
    assert [r for r, p in MATRIX.items() if Perm.MANAGE_USERS in p and r is not Role.SYSTEM] == [Role.ADMIN]


def test_forwarders_cannot_see_profit():
    for role in (Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.CARE, Role.ORDERING):
        assert Perm.VIEW_PROFIT not in MATRIX[role]


def test_every_staff_role_has_a_task_queue():
    for role in Role:
        if role is Role.SYSTEM:
            continue
        names = QUEUES.by_role[role]
        assert "tasks.role" in names and "tasks.mine" in names, role


def test_every_queue_column_set_has_an_id_and_sort_key():
    for q in QUEUES.queues.values():
        keys = {c.key for c in q.columns}
        assert q.sort[0] in keys | {"id"}, q.name
        sel = q.base(__import__("app.queries.paging", fromlist=["Context"]).Context(
            __import__("app.permissions", fromlist=["SYSTEM_ACTOR"]).SYSTEM_ACTOR,
            __import__("app.clock", fromlist=["utcnow"]).utcnow()))
        names = set(sel.selected_columns.keys())
        assert "id" in names and keys <= names, q.name


def test_every_setting_default_passes_its_own_check():
    for s in SETTINGS.values():
        assert s.parse(s.to_text(s.default)) == s.default, s.key
