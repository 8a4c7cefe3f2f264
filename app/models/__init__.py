"""SQLAlchemy mapped classes, one module per aggregate; importing this package maps them all."""
from app.models.base import Base
from app.models.customers import Customer, CustomerAddress, VipLevel
from app.models.money import (Bill, DiscountCode, DiscountUse, ExchangeRate, FeePolicy,
                              JournalEntry, JournalLine, LedgerAccount, OrderMoney, Payment,
                              RateAdjustment, Wallet)
from app.models.orders import (Order, OrderFile, OrderItem, OrderMessage, OrderService, Parcel,
                               Shop, ShopOrder, StoredFile)
from app.models.people import User, UserRole, Warehouse
from app.models.system import (ActivityEvent, CustomerMessage, SettingValue, StaffNotification,
                               Task)

__all__ = [
    "Base", "Customer", "CustomerAddress", "VipLevel", "Order", "OrderFile", "OrderItem",
    "OrderMessage", "OrderService", "Parcel", "Shop", "ShopOrder", "StoredFile", "User", "UserRole",
    "Warehouse", "ActivityEvent", "CustomerMessage", "SettingValue", "StaffNotification", "Task",
    "Bill", "DiscountCode", "DiscountUse", "ExchangeRate", "FeePolicy", "JournalEntry", "JournalLine",
    "LedgerAccount", "OrderMoney", "Payment", "RateAdjustment", "Wallet",
]
