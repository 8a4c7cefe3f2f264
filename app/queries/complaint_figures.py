"""Complaint figures per shop over a period, for vendor KPIs (seed 003: "frequency of order
discrepancies or errors"): how many customer complaints named the shop's goods, how many claims
the company made against it, what was claimed and what it gave back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, func, select, type_coerce

from app.db import Database
from app.models import Complaint, ComplaintLine, SellerComplaint, Shop
from app.money import CNY, Money
from app.permissions import Actor, Perm, require


@dataclass(frozen=True)
class ShopComplaintFigures:
    shop_id: int
    shop_name: str
    platform: str
    complaints: int             # customer complaints naming the shop's items or parcels
    seller_complaints: int      # the company's claims against the shop
    claimed: Money              # CNY claimed in those claims
    recovered: Money            # CNY the shop gave back


def complaints_per_shop(db: Database, actor: Actor, start: datetime, end: datetime,
                        shop_ids: list[int] | None = None) -> list[ShopComplaintFigures]:
    """Per shop, complaints and seller complaints opened in [start, end); shops with neither are
    left out. Sorted by the most complaints first."""
    require(actor, Perm.VIEW_STATISTICS)
    with db.read() as s:
        complaint_q = (select(ComplaintLine.shop_id, func.count(func.distinct(Complaint.id)))
                       .join(Complaint, Complaint.id == ComplaintLine.complaint_id)
                       .where(ComplaintLine.shop_id.isnot(None), Complaint.opened_at >= start,
                              Complaint.opened_at < end)
                       .group_by(ComplaintLine.shop_id))
        seller_q = (select(SellerComplaint.shop_id, func.count(SellerComplaint.id),
                           func.coalesce(func.sum(type_coerce(SellerComplaint.claimed_cny, BigInteger)), 0),
                           func.coalesce(func.sum(type_coerce(SellerComplaint.recovered_cny, BigInteger)), 0))
                    .where(SellerComplaint.opened_at >= start, SellerComplaint.opened_at < end)
                    .group_by(SellerComplaint.shop_id))
        if shop_ids is not None:
            complaint_q = complaint_q.where(ComplaintLine.shop_id.in_(shop_ids))
            seller_q = seller_q.where(SellerComplaint.shop_id.in_(shop_ids))
        complaints = {shop_id: n for shop_id, n in s.execute(complaint_q)}
        sellers = {shop_id: (n, int(claimed), int(recovered)) for shop_id, n, claimed, recovered in s.execute(seller_q)}
        ids = set(complaints) | set(sellers)
        shops = {sh.id: sh for sh in s.scalars(select(Shop).where(Shop.id.in_(ids or {-1})))}
        out = []
        for shop_id in ids:
            n_seller, claimed, recovered = sellers.get(shop_id, (0, 0, 0))
            shop = shops[shop_id]
            out.append(ShopComplaintFigures(shop_id, shop.name, shop.platform, complaints.get(shop_id, 0), n_seller,
                                            Money.from_minor(claimed, CNY), Money.from_minor(recovered, CNY)))
        return sorted(out, key=lambda f: (-f.complaints, -f.seller_complaints, f.shop_name))
