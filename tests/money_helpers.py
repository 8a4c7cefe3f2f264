"""Money set-up a test needs in a line: today's rates, company accounts, a funded wallet."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.db import Database
from app.permissions import Actor, Role
from app.services import ledger, rates, wallets
from app.services import settings as settings_service
from tests.factories import make_user


def set_rates(db: Database, selling: str = "3650", buying: str = "3600", manager: Actor | None = None) -> None:
    manager = manager or make_user(db, Role.MANAGER)
    rates.set_rate(db, manager, rates.BUYING, Decimal(buying))
    rates.set_rate(db, manager, rates.SELLING, Decimal(selling))


def accounts(db: Database, borrow: bool | None = True) -> tuple[int, int]:
    """(the company's VND bank account, its CNY Alipay account), created on first use.

    ``borrow``: shops may be paid from the CNY account before any yuan were bought into it
    (valued at the buying rate; setting money.cny_borrow) — the tests of purchasing, fees and
    reports pay shops without buying yuan first. The lot tests say ``borrow=False``; None leaves
    the setting as it is."""
    with db.transaction() as tx:
        ledger.ensure_default_accounts(tx)
    if borrow is not None and borrow != settings_service.read_all(db)["money.cny_borrow"]:
        settings_service.update_settings(db, make_user(db, Role.ADMIN), {"money.cny_borrow": borrow})
    actor = make_user(db, Role.ACCOUNTANT)
    return ledger.cash_accounts(db, actor, "vn")[0].id, ledger.cash_accounts(db, actor, "cn")[0].id


_refs = iter(range(1, 10**9))


def fund(db: Database, customer_id: int, amount: str = "10000000", accountant: Actor | None = None) -> None:
    """A top-up below the approval limit (posted at once), with rates set if none are."""
    if rates.current_values(db)[rates.SELLING] is None:
        set_rates(db)
    vnd_account, _cny = accounts(db, borrow=None)
    accountant = accountant or make_user(db, Role.ACCOUNTANT)
    wallets.record_payment(db, accountant, "topup", customer_id, Decimal(amount), f"FT{next(_refs):08d}",
                           date(2026, 11, 23), vnd_account)
