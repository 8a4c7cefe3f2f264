"""Posting rules: what each money operation writes in the journal — an operation in, balanced
lines out. Pure: no database, no session.

A line names its account by the chart's code (the constants below), by ``WALLET`` (the wallet of
the entry's customer) or by the id of an account a person chose (the bank account a top-up came
into, the CNY account that paid a shop). ``app.services.ledger.post_lines`` turns the names into
accounts and posts the entry; every rule's lines balance per currency (``balanced``), and lines
of zero are left out when posted (they are kept here so the accounts they name exist as before).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from app.fees import FEE_LABELS
from app.i18n import N_
from app.money import CNY, VND, Money

# -- the chart: system accounts by code --------------------------------------------------------------

RECEIVABLE = "receivable"                  # what orders owe
FX_MARGIN = "fx_margin"
BARGAINING_PROFIT = "bargaining_profit"
GOODS_RECHARGED = "goods_recharged"        # goods charged to customers at the buying rate
PURCHASE_COST = "purchase_cost"            # CNY paid to shops
FREIGHT_COST = "freight_cost"
FREIGHT_PAYABLE = "freight_payable"
UNRECOVERED_COST = "unrecovered_cost"
COMPENSATION = "compensation"
COMMISSION_EXPENSE = "commission_expense"
COMMISSIONS_PAYABLE = "commissions_payable"
CURRENCY_EXCHANGE = "currency_exchange"    # CNY bought with VND (both currencies)
#: the accounts of fees charged to customers are this prefix + the fee's code
FEE_ACCOUNT_PREFIX = "revenue:"
#: the wallet of the entry's customer
WALLET = "@wallet"


def fee_account(fee_code: str) -> str:
    """The revenue account of a fee (``revenue:<fee code>``)."""
    return FEE_ACCOUNT_PREFIX + fee_code


#: code -> (kind, currency, N_ name); each is created the first time it is needed
CHART: dict[str, tuple[str, str, str]] = {
    RECEIVABLE: ("asset", VND, N_("Customer receivables (orders)")),
    FX_MARGIN: ("revenue", VND, N_("FX margin")),
    BARGAINING_PROFIT: ("revenue", VND, N_("Bargaining profit")),
    GOODS_RECHARGED: ("revenue", VND, N_("Goods recharged to customers at the buying rate")),
    PURCHASE_COST: ("expense", CNY, N_("Purchase cost (paid to shops)")),
    FREIGHT_COST: ("expense", VND, N_("Freight cost")),
    FREIGHT_PAYABLE: ("liability", VND, N_("Freight payable to carriers")),
    UNRECOVERED_COST: ("expense", VND, N_("Unrecovered costs")),
    COMPENSATION: ("expense", VND, N_("Compensation expense")),
    COMMISSION_EXPENSE: ("expense", VND, N_("Commissions")),
    COMMISSIONS_PAYABLE: ("liability", VND, N_("Commissions payable")),
    CURRENCY_EXCHANGE: ("exchange", "*", N_("Currency exchange (CNY bought with VND)")),
    **{fee_account(code): ("revenue", VND, label) for code, label in FEE_LABELS.items()
       if code != "domestic_shipping"},
}

Account = "str | int"     # a chart code, WALLET, or the id of an account a person chose


@dataclass(frozen=True)
class Line:
    account: str | int
    amount: Money                    # debit positive, credit negative
    amount_vnd: Money | None = None  # the VND value of a CNY line
    order_id: int | None = None      # a receivable line names its order


def debit(account: str | int, money: Money, amount_vnd: Money | None = None,
          order_id: int | None = None) -> Line:
    return Line(account, money, amount_vnd, order_id)


def credit(account: str | int, money: Money, amount_vnd: Money | None = None,
           order_id: int | None = None) -> Line:
    return Line(account, -money, amount_vnd, order_id)


class Unbalanced(ValueError):
    pass


def balanced(kind: str, lines: list[Line]) -> list[Line]:
    """``lines``, after checking they sum to zero in each currency."""
    sums: dict[str, int] = {}
    for line in lines:
        sums[line.amount.currency] = sums.get(line.amount.currency, 0) + line.amount.minor
    unbalanced = {c: n for c, n in sums.items() if n}
    if unbalanced:
        raise Unbalanced(f"entry {kind} does not balance: {unbalanced}")
    return lines


# -- the customer's wallet -------------------------------------------------------------------------------

def topup(bank_account_id: int, amount: Money) -> list[Line]:
    """Money the customer transferred: into the bank account, owed to them in the wallet."""
    return balanced("topup", [debit(bank_account_id, amount), credit(WALLET, amount)])


def refund_paid_out(bank_account_id: int, amount: Money) -> list[Line]:
    """Money paid back out of the wallet to the customer's bank."""
    return balanced("refund", [debit(WALLET, amount), credit(bank_account_id, amount)])


def deposit(amount: Money, order_id: int) -> list[Line]:
    """The order's deposit taken from the wallet."""
    return balanced("deposit", [debit(WALLET, amount), credit(RECEIVABLE, amount, order_id=order_id)])


def deposit_refund(amount: Money, order_id: int) -> list[Line]:
    """The deposit still held goes back to the wallet."""
    return balanced("deposit_refund", [debit(RECEIVABLE, amount, order_id=order_id), credit(WALLET, amount)])


def shortage_refund(amount: Money, order_id: int) -> list[Line]:
    """The deposit taken for items a shop did not have goes back to the wallet."""
    return balanced("shortage_refund", [debit(RECEIVABLE, amount, order_id=order_id), credit(WALLET, amount)])


def settlement(amount: Money, order_id: int) -> list[Line]:
    """What the order still owes, paid from the wallet."""
    return balanced("settlement", [debit(WALLET, amount), credit(RECEIVABLE, amount, order_id=order_id)])


def overpayment_back(amount: Money, order_id: int) -> list[Line]:
    """What the order no longer owes (a bill lowered) back to the wallet (kind "settlement")."""
    return balanced("settlement", [debit(RECEIVABLE, amount, order_id=order_id), credit(WALLET, amount)])


# -- buying ------------------------------------------------------------------------------------------------

def service_fee(amount: Money, order_id: int) -> list[Line]:
    """The purchasing fee on the goods bought, charged to the order."""
    return balanced("service_fee", [debit(RECEIVABLE, amount, order_id=order_id),
                                    credit(fee_account("purchasing_fee"), amount)])


def purchase(paying_account_id: int, paid: Money, at_cost: Money, charged: Money, fx: Money,
             bargain: Money, order_id: int) -> list[Line]:
    """A shop order paid: the yuan out of the paying account into the purchase cost (valued at the
    buying rate), the customer charged at the order's rate, split into the goods at cost, the FX
    margin and the bargaining profit."""
    return balanced("purchase", [
        credit(paying_account_id, paid, amount_vnd=at_cost),
        debit(PURCHASE_COST, paid, amount_vnd=at_cost),
        debit(RECEIVABLE, charged, order_id=order_id),
        credit(GOODS_RECHARGED, at_cost),
        credit(FX_MARGIN, fx),
        credit(BARGAINING_PROFIT, bargain)])


def seller_recovery(cny_account_id: int, amount: Money, at_cost: Money | None) -> list[Line]:
    """Yuan a seller paid back: into the CNY account, off the purchase cost."""
    return balanced("seller_recovery", [debit(cny_account_id, amount, amount_vnd=at_cost),
                                        credit(PURCHASE_COST, amount, amount_vnd=at_cost)])


def cny_funding(cny_account_id: int, vnd_account_id: int, cny: Money, vnd: Money) -> list[Line]:
    """Yuan bought with dong (the fee part of the price), through the exchange account."""
    return balanced("cny_funding", [debit(cny_account_id, cny, amount_vnd=vnd), credit(CURRENCY_EXCHANGE, cny),
                                    debit(CURRENCY_EXCHANGE, vnd), credit(vnd_account_id, vnd)])


# -- billing -----------------------------------------------------------------------------------------------

def billing_notice(total: Money, fees: Iterable[tuple[str, Money]], cost: Money, order_id: int) -> list[Line]:
    """The billing notice: the order charged its fees (each to its revenue account) and the freight
    cost at the route's cost price booked against what the carriers will bill."""
    lines = [debit(RECEIVABLE, total, order_id=order_id)] if not total.is_zero() else []
    lines += [credit(fee_account(code), amount) for code, amount in fees]
    if not cost.is_zero():
        lines += [debit(FREIGHT_COST, cost), credit(FREIGHT_PAYABLE, cost)]
    return balanced("billing", lines)


def supplementary(amount: Money, fees: Iterable[tuple[str, Money]], order_id: int) -> list[Line]:
    """A supplementary bill (more, or less when negative) charged to the order."""
    lines = [debit(RECEIVABLE, amount, order_id=order_id)] if not amount.is_zero() else []
    lines += [credit(fee_account(code), fee) for code, fee in fees]
    return balanced("supplementary", lines)


def carrier_bill(difference: Money) -> list[Line]:
    """A carrier's bill beyond (or below) the freight cost booked at billing."""
    return balanced("carrier_bill", [debit(FREIGHT_COST, difference), credit(FREIGHT_PAYABLE, difference)])


def commission(total: Money, order_id: int) -> list[Line]:
    """The commissions a completed order earned, owed to the staff."""
    return balanced("commission", [debit(COMMISSION_EXPENSE, total, order_id=order_id),
                                   credit(COMMISSIONS_PAYABLE, total)])


# -- complaints ----------------------------------------------------------------------------------------------

def complaint_refund(amount: Money, to_debt: Money, to_wallet: Money, order_id: int) -> list[Line]:
    """Part of the charge given back: first off what the order owes, the rest into the wallet; the
    goods' cost becomes a cost not recovered."""
    return balanced("complaint_refund", [debit(UNRECOVERED_COST, amount),
                                         credit(RECEIVABLE, to_debt, order_id=order_id),
                                         credit(WALLET, to_wallet)])


def compensation(amount: Money) -> list[Line]:
    """The company's loss paid into the wallet."""
    return balanced("compensation", [debit(COMPENSATION, amount), credit(WALLET, amount)])


# -- reversing ------------------------------------------------------------------------------------------------

def reversal(lines: Iterable[Line]) -> list[Line]:
    """The exact opposite of an entry's lines."""
    return balanced("reversal", [Line(line.account, -line.amount,
                                      -line.amount_vnd if line.amount_vnd is not None else None,
                                      line.order_id) for line in lines])
