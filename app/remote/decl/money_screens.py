"""Remote operations of the money screens area (see app.remote.decl): the order's money tab,
billing, wallets and payments, shop orders, the money books, exchange rates, fees and discounts,
and the statistics window (read models and exports in app.remote.views_money)."""
from __future__ import annotations


def declare(add) -> None:
    from app.remote import views_money as v
    from app.services import billing, customers, fee_policies, ledger, order_money, purchasing, wallets

    # customers and wallets (the first five also in app.remote.ops: the same functions)
    add("customers.find", customers.find_customers)
    add("customers.get", customers.get_customer)
    add("wallets.view", wallets.wallet_view)
    add("wallets.get_payment", wallets.get_payment)
    add("wallets.record_payment", wallets.record_payment)
    add("wallets.approve_payment", wallets.approve_payment)
    add("wallets.reject_payment", wallets.reject_payment)
    add("wallets.grant_credit", wallets.grant_credit)
    add("wallets.settle_order", wallets.settle_order)
    add("wallets.window", v.wallet_window)                  # wallet + statement, one call
    add("wallets.payment_form", v.payment_form)
    # the ledger and the money books
    add("ledger.statement", ledger.statement)
    add("ledger.get_entry", ledger.get_entry)
    add("ledger.reverse_entry", ledger.reverse_entry)
    add("ledger.entry_of_line", ledger.entry_of_line)
    add("ledger.create_cash_account", ledger.create_cash_account)
    add("ledger.record_cny_purchase", ledger.record_cny_purchase)
    add("ledger.cny_purchase_form", v.cny_purchase_form)
    add("ledger.book", v.book_view)
    add("ledger.export_book", v.export_book)
    # billing
    add("billing.order_money", billing.order_money_view)
    add("billing.measured_packages", v.measured_packages)
    add("billing.preview", v.preview_billing)
    add("billing.issue_notice", v.issue_billing_notice)
    add("billing.propose_supplementary", billing.propose_supplementary_bill)
    add("billing.get_bill", billing.get_bill)
    add("billing.approve_bill", billing.approve_bill)
    add("billing.reject_bill", billing.reject_bill)
    # purchasing (shop orders)
    add("purchasing.window", v.shop_orders_view)
    add("purchasing.order_of_shop_order", purchasing.order_of_shop_order)
    add("purchasing.prepare_shop_orders", purchasing.prepare_shop_orders)
    add("purchasing.set_item_shop", purchasing.set_item_shop)
    add("purchasing.place_shop_order", purchasing.place_shop_order)
    add("purchasing.record_shop_order", v.record_shop_order)
    add("purchasing.add_tracking_codes", purchasing.add_tracking_codes)
    # exchange rates, fee policy sets, VIP levels, discount codes
    add("rates.view", v.rates_view)
    add("rates.set", v.set_exchange_rate)
    add("fees.view", v.fees_view)
    add("fees.apply_discount_code", order_money.apply_discount_code)
    add("fees.remove_discount_code", order_money.remove_discount_code)
    add("fees.vip_levels", fee_policies.list_vip_levels)
    add("fees.policies", fee_policies.list_policies)
    add("fees.create_policy", fee_policies.create_policy)
    add("fees.update_policy", fee_policies.update_policy)
    add("fees.save_vip_level", fee_policies.save_vip_level)
    add("fees.discount_codes", fee_policies.list_discount_codes)
    add("fees.save_discount_code", fee_policies.save_discount_code)
    # statistics
    add("stats.window", v.stats_window)
    add("stats.dashboard", v.stats_dashboard)
    add("stats.open_report", v.open_report)
    add("stats.report_page", v.report_page)
    add("stats.export", v.export_stats)
