"""The declared operations: only public services and read models, each with types the wire
carries exactly, and the same behaviour whichever backend runs them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import ValidationFailed
from app.permissions import Role
from app.remote import wire
from app.remote.backend import InProcess, Remote
from app.remote.errors import RequestRefused
from app.remote.ops import OPS, Operations
from tests.factories import PASSWORD, make_customer, make_user
from tests.money_helpers import accounts


def test_every_operation_is_a_public_service_or_read_model_with_wire_types():
    for name in OPS.names():
        op = OPS[name]
        module = op.fn.__module__
        # (an area's small wrappers live in its own declarations module, app.remote.decl.<area>)
        assert module.startswith(("app.services.", "app.remote.views", "app.remote.decl.")), name
        assert not op.fn.__name__.startswith("_"), name
        wire.decoder(op.result)          # msgspec can decode the declared result exactly
        assert "actor" not in op.params and "db" not in op.params


def test_a_function_that_cannot_be_declared_is_refused_at_declaration():
    ops = Operations()

    def no_db(actor, x: int) -> int:
        return x

    def star(db, actor, *codes: str) -> int:
        return 0

    with pytest.raises(TypeError):
        ops.add("x.no_db", no_db)
    with pytest.raises(TypeError):
        ops.add("x.star", star)
    ops.add("x.ok", lambda db, actor: None)
    with pytest.raises(ValueError):
        ops.add("x.ok", lambda db, actor: None)


def test_the_same_call_gives_the_same_answer_in_process_and_through_the_server(db, desktop):
    acc = make_user(db, Role.ACCOUNTANT, username="phuong")
    bank, _cny = accounts(db)
    a, b = make_customer(db, name="Trần Văn An"), make_customer(db, name="Lê Thị Bình")
    client = desktop()
    client.login("phuong", PASSWORD)
    local, remote = InProcess(db, acc, check_wire=True), Remote(client)
    on = db.clock.now().date()
    for backend, cid, ref in ((local, a, "VCB 1"), (remote, b, "VCB 2")):
        assert backend.call("wallets.record_payment", "topup", cid, Decimal(700000), ref, on, bank).status == "posted"
        with pytest.raises(ValidationFailed) as refused:
            backend.call("wallets.record_payment", "topup", cid, Decimal(700000), ref, on, bank)
        assert set(refused.value.field_errors) == {"bank_reference"}      # the same reference twice
        with pytest.raises(RequestRefused):
            backend.call("wallets.set_balance", cid)
    assert local.call("wallets.view", a).balance == remote.call("wallets.view", b).balance
    with pytest.raises(ValueError):
        remote.switch_role(Role.MANAGER)
