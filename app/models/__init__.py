"""SQLAlchemy mapped classes, one module per aggregate; importing this package maps them all."""
from app.models.base import Base
from app.models.customers import Customer, CustomerAddress, VipLevel
from app.models.money import (Bill, CnyLot, CnyLotUse, CommissionAccrual, DiscountCode, DiscountUse, ExchangeRate,
                              FeePolicy, JournalEntry, JournalLine, LedgerAccount, OrderMoney, Payment,
                              RateAdjustment, Wallet)
from app.models.orders import (Order, OrderFile, OrderItem, OrderMessage, OrderService, Shop,
                               ShopOrder, StoredFile)
from app.models.parcels import AlertNote, Parcel, ParcelImport, Stocktake, StocktakeLine
from app.models.shipments import CarrierClaim, Shipment, ShipmentCustody, ShipmentParcel
from app.models.deliveries import DeliveryParcel, DeliveryRequest
from app.models.people import User, UserRole, Warehouse
from app.models.complaints import (Complaint, ComplaintContact, ComplaintFile, ComplaintLine,
                                     ComplaintPlan, ComplaintRemedy, Inspection, SellerComplaint)
from app.models.system import (ActivityEvent, CustomerMessage, SettingValue, StaffNotification,
                               Task)
from app.models.notify import Secret, StageDuration
from app.models.imports import ImportColumnMap
from app.models.remote import RemoteLoginFailure, RemoteSession
from app.models.stations import StationScan
from app.models.remedies import PriorityVoucher
from app.models.mail import ChatMail, InboundMail, OrderRating
from app.models.quotes import QuoteVersion
from app.models.carriers import CarrierBill, CarrierBillLine

__all__ = [
    "CnyLot", "CnyLotUse", "CarrierClaim", "ShipmentCustody", "QuoteVersion", "CarrierBill", "CarrierBillLine",
    "Base", "Customer", "CustomerAddress", "VipLevel", "Order", "OrderFile", "OrderItem",
    "OrderMessage", "OrderService", "Parcel", "Shop", "ShopOrder", "StoredFile", "User", "UserRole",
    "Warehouse", "ActivityEvent", "CustomerMessage", "SettingValue", "StaffNotification", "Task",
    "AlertNote", "ParcelImport", "Stocktake", "StocktakeLine", "Shipment", "ShipmentParcel",
    "DeliveryParcel", "DeliveryRequest",
    "Bill", "CommissionAccrual", "DiscountCode", "DiscountUse", "ExchangeRate", "FeePolicy", "JournalEntry",
    "JournalLine",
    "LedgerAccount", "OrderMoney", "Payment", "RateAdjustment", "Wallet",
    "Secret", "StageDuration", "ImportColumnMap", "RemoteLoginFailure", "RemoteSession", "StationScan",
    "Complaint", "ComplaintContact", "ComplaintFile", "ComplaintLine", "ComplaintPlan", "ComplaintRemedy",
    "Inspection", "SellerComplaint", "PriorityVoucher", "ChatMail", "InboundMail", "OrderRating",
]
