"""Extra services an order can carry, by the codes fee policies price them under.

The fee engine (issue: money) prices them; here is what each service is and its rules:
whether a customer may choose it, whether choosing it needs a manager's approval, and which
services exclude each other.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_


@dataclass(frozen=True)
class Service:
    code: str
    label: str                      # N_ msgid
    choosable: bool = True          # False: always applied (the purchasing fee)
    needs_approval: bool = False
    excludes: frozenset[str] = frozenset()


SERVICES: dict[str, Service] = {s.code: s for s in (
    Service("purchasing_fee", N_("Purchasing service"), choosable=False),
    Service("inspection", N_("Tally / inspection")),                    # kiểm đếm
    Service("special_packaging", N_("Wooden crate"), excludes=frozenset({"bubble_wrapping"})),  # đóng gỗ
    Service("bubble_wrapping", N_("Bubble wrapping"), excludes=frozenset({"special_packaging"})),
    Service("cargo_insurance", N_("Cargo insurance"), needs_approval=True),
    Service("express_shipping", N_("Express shipping"), excludes=frozenset({"ecommerce_shipping"})),
    Service("ecommerce_shipping", N_("E-commerce line shipping"), excludes=frozenset({"express_shipping"})),
)}

CHOOSABLE = tuple(code for code, s in SERVICES.items() if s.choosable)


def needs_approval(codes: set[str]) -> bool:
    return any(SERVICES[c].needs_approval for c in codes if c in SERVICES)
