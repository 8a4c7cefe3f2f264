"""Orders (đơn hàng, 订单), their items, shops, declared parcels, files and chats."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed, MoneyType
from app.money import CNY, Money

if TYPE_CHECKING:
    from app.models.parcels import Parcel  # its own module: the warehouse capability's


class Shop(Base):
    """A Chinese seller on Taobao, 1688, Tmall or elsewhere (shop, 店铺)."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("platform", "name", name="uq_shops_platform_name"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    care_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordering_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: VN warehouse the goods go to; CN warehouse that receives them
    destination_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    receiving_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    delivery_address_id: Mapped[int | None] = mapped_column(ForeignKey("customer_addresses.id"))
    needs_approval: Mapped[bool] = mapped_column(default=False)
    #: care staff asked the customer something and wait for the answer
    awaiting_customer: Mapped[bool] = mapped_column(default=False)
    goods_description: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    customer_note: Mapped[str] = mapped_column(Text, default="")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    item_count: Mapped[int] = mapped_column(default=0)
    goods_cny: Mapped[Money] = mapped_column(MoneyType(CNY), default=Money.zero(CNY))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_changed_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    #: a cart (draft) that is not submitted by then expires
    expires_at: Mapped[datetime | None]
    committed_ship_by: Mapped[datetime | None]
    committed_deliver_by: Mapped[datetime | None]
    estimated_ship_at: Mapped[datetime | None]
    estimated_deliver_at: Mapped[datetime | None]
    #: delay flags kept by app.services.delays: "" (on time), "expecting" (expecting delay) or
    #: "delayed"; the reason code says which date; forecasts are the stages left at usual speed
    delay_state: Mapped[str] = mapped_column(String(10), default="", server_default="")
    delay_reason: Mapped[str] = mapped_column(String(30), default="", server_default="")
    forecast_ship_at: Mapped[datetime | None]
    forecast_deliver_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    customer = relationship("Customer")
    care_staff = relationship("User", foreign_keys=[care_staff_id])
    ordering_staff = relationship("User", foreign_keys=[ordering_staff_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    destination_warehouse = relationship("Warehouse", foreign_keys=[destination_warehouse_id])
    receiving_warehouse = relationship("Warehouse", foreign_keys=[receiving_warehouse_id])
    delivery_address = relationship("CustomerAddress")
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position")
    services: Mapped[list["OrderService"]] = relationship(
        back_populates="order", cascade="all, delete-orphan")
    parcels: Mapped[list["Parcel"]] = relationship(back_populates="order", order_by="Parcel.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_orders_status_queue", "status", "created_at", "id"),
        Index("ix_orders_care_queue", "care_staff_id", "status", "created_at", "id"),
        Index("ix_orders_ordering_queue", "ordering_staff_id", "status", "created_at", "id"),
        Index("ix_orders_customer", "customer_id", "created_at", "id"),
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_updated", "updated_at", "id"),
        Index("ix_orders_expiry", "status", "expires_at"),
    )

    @property
    def service_codes(self) -> set[str]:
        return {s.code for s in self.services}

    @property
    def declared_codes(self) -> list[str]:
        return [p.tracking_code for p in self.parcels]


#: the orders a manager is to confirm: deposited purchase orders and new consignment orders. The
#: WHERE of the partial index below, as migration 0007 writes it; the "Orders to confirm" queue
#: filters with the same literal values (app.queries.queues.orders.TO_CONFIRM) so both planners match
#: it. Without it, tens of thousands of orders in those two statuses were sorted for a first
#: page (3 s on 1,000,000 orders).
TO_CONFIRM_SQL = "(status = 'deposited' AND kind = 'purchase') OR (status = 'new' AND kind = 'consignment')"
Index("ix_orders_to_confirm", Order.created_at, Order.id,
      sqlite_where=text(TO_CONFIRM_SQL), postgresql_where=text(TO_CONFIRM_SQL))


class OrderService(Base):
    """An extra service chosen on an order (kiểm đếm, đóng gỗ, bảo hiểm…), by its fee code."""

    __tablename__ = "order_services"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)

    order: Mapped[Order] = relationship(back_populates="services")


class OrderItem(Base):
    """One product line (sản phẩm): shop, link, Chinese title, variant, quantity, unit price."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    product_url: Mapped[str] = mapped_column(String(1000), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    variant: Mapped[str] = mapped_column(String(300), default="")
    image_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    quantity_bought: Mapped[int | None]
    #: what the Vietnam warehouse counted when the order's parcels were opened (kiểm đếm):
    #: good pieces received, pieces damaged, pieces that are not what was ordered
    quantity_received: Mapped[int] = mapped_column(default=0)
    quantity_damaged: Mapped[int] = mapped_column(default=0, server_default="0")
    quantity_wrong: Mapped[int] = mapped_column(default=0, server_default="0")
    #: unit prices keep the shop's precision (1688 sells at ¥0.035), so they are not Money
    unit_price_cny: Mapped[Decimal] = mapped_column(Fixed(4), default=Decimal(0))
    note: Mapped[str] = mapped_column(Text, default="")
    tally_exempt: Mapped[bool] = mapped_column(default=False)
    shop_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_orders.id"))

    order: Mapped[Order] = relationship(back_populates="items")
    shop: Mapped[Shop | None] = relationship()

    __table_args__ = (Index("ix_order_items_order", "order_id", "position"),
                      Index("ix_order_items_shop", "shop_id", "order_id"))

    @property
    def line_total(self) -> Money:
        return Money(self.unit_price_cny * self.quantity, CNY)


class ShopOrder(Base):
    """One purchase placed with one Chinese shop for an order (đơn mua shop, 采购单).

    The purchasing capability adds the money (goods, domestic shipping, discount, paying
    account); the warehouse capability matches parcels to it and detects excess parcels.
    """

    __tablename__ = "shop_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    #: the seller's order number on the platform (mã đơn Taobao/1688)
    platform_order_no: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default="placed")
    #: how many parcels the shop is expected to send (more is "excess", thừa)
    expected_parcels: Mapped[int] = mapped_column(default=1)
    ordering_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    # -- purchasing money (app.services.purchasing): set when the shop order is recorded as paid
    #: what the shop charged for the goods, its domestic shipping, and its discount (CNY)
    goods_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    domestic_shipping_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    shop_discount_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    #: paid = goods + domestic shipping − discount; charged = items bought at the customer's
    #: prices + domestic shipping; bargaining profit = charged − paid
    paid_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    charged_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    bargain_profit_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    #: negative, or above the configured percent of the goods: managers are alerted
    bargain_alert: Mapped[bool] = mapped_column(default=False)
    paying_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"))
    buying_rate: Mapped[Decimal | None] = mapped_column(Fixed(6))
    paid_at: Mapped[datetime | None]
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship()
    shop: Mapped[Shop] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_shop_orders_order", "order_id", "id"),
                      Index("ix_shop_orders_platform_no", "platform_order_no"),
                      Index("ix_shop_orders_status", "status", "created_at", "id"),
                      Index("ix_shop_orders_paid", "status", "paid_at", "id"),
                      Index("ix_shop_orders_bargain", "bargain_alert", "paid_at", "id"))


class StoredFile(Base):
    """File content stored once by its SHA-256 (the same photo on ten orders is one row)."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime]


class OrderFile(Base):
    """A file on an order's files tab: image, inspection photo, report."""

    __tablename__ = "order_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    kind: Mapped[str] = mapped_column(String(20), default="image")
    name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    file: Mapped[StoredFile] = relationship()

    __table_args__ = (Index("ix_order_files_order", "order_id", "id"),)


class OrderMessage(Base):
    """A chat line on an order: the internal channel, or the one with the customer."""

    __tablename__ = "order_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(120))
    from_customer: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_order_messages_thread", "order_id", "channel", "id"),)
