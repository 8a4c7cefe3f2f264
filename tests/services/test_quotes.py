"""Quotes that hold their rate, on SQLite and PostgreSQL: a deposit in time takes the quoted rate;
after expiry the order is quoted again at today's rate, the customer is told the difference and
nothing is taken or bought until they accept; a refusal stops it; every version is kept."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import DomainError, ValidationFailed
from app.i18n import fmt_datetime, translate
from app.models import ActivityEvent, CustomerMessage, Order, QuoteVersion, Task
from app.money import VND, Money
from app.permissions import Role
from app.services import billing, orders, purchasing, quote_decisions, quotes, wallets
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund, set_rates


def vnd(n) -> Money:
    return Money.of(str(n), VND)


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "accountant": make_user(db, Role.ACCOUNTANT, full_name="Ngô Thị Phương"),
    }


def _status(db, oid):
    with db.read() as s:
        return s.get(Order, oid).status


def _messages(db, oid, event):
    with db.read() as s:
        return list(s.scalars(select(CustomerMessage).where(CustomerMessage.entity_id == oid,
                                                            CustomerMessage.event == event)))


def _valid_until_words(lang):
    """The words before the time in "This quote is valid until {time}." as the customer reads them."""
    return translate("This quote is valid until {time}.", lang).split("{time}")[0].strip()


def _cart(db, staff):
    """A cart of ¥194.80 (two dresses at ¥59.90, three shirts at ¥25) for a customer; rates 3,650/3,600."""
    care = staff["care"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    set_rates(db, "3650", "3600", staff["manager"])
    return cid, oid


def test_a_deposit_in_time_takes_the_quoted_rate_even_after_the_rate_rose(db, staff, clock):
    care, manager = staff["care"], staff["manager"]
    cid, oid = _cart(db, staff)
    q = quotes.send_quote(db, care, oid)                       # default validity: 24 h (the setting)
    assert q.version == 1 and q.status == quotes.QuoteStatus.SENT and q.selling_rate == Decimal("3650")
    assert q.valid_until == clock.now() + timedelta(hours=24)
    assert q.goods_vnd == vnd(711020) and q.deposit_vnd == vnd(497714)   # 194.80 × 3,650; 70 %
    mail = _messages(db, oid, "quote_sent")
    assert len(mail) == 1 and mail[0].language == "vi"
    assert fmt_datetime(q.valid_until, "vi") in mail[0].body   # "valid until …", per the customer's locale
    assert "497.714" in mail[0].body and "3.650" in mail[0].body

    clock.advance(hours=5)
    set_rates(db, "3700", "3650", manager)                     # the rate rose meanwhile
    fund(db, cid, "1000000")
    assert orders.apply_action(db, care, oid, "submit") == "deposited"
    view = billing.order_money_view(db, care, oid)
    assert view.rate == Decimal("3650") and view.deposit_held == vnd(497714)   # the quoted rate, not 3,700
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000 - 497714)
    panel = quotes.quotes_panel(db, care, oid)
    assert [v.status for v in panel.versions] == ["taken"] and not panel.can_quote
    with db.read() as s:
        ev = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "order_money",
                                                  ActivityEvent.entity_id == oid))
        assert ev.after["quote_version"] == 1


def test_after_expiry_the_order_is_quoted_again_and_waits_for_the_customer(db, staff, clock):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid, oid = _cart(db, staff)
    first = quotes.send_quote(db, care, oid, clock.now() + timedelta(hours=2))
    clock.advance(hours=3)                                     # expired
    set_rates(db, "3700", "3650", manager)
    fund(db, cid, "1000000")
    assert orders.apply_action(db, care, oid, "submit") == "new"   # no deposit, nothing bought
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000)
    panel = quotes.quotes_panel(db, care, oid)
    assert panel.waiting and [(v.version, v.status) for v in panel.versions] == [(2, "awaiting"), (1, "expired")]
    new = panel.versions[0]
    assert new.selling_rate == Decimal("3700") and new.previous_rate == Decimal("3650")
    assert new.total_vnd - first.total_vnd == new.difference_vnd and new.difference_vnd.amount > 0
    assert new.goods_vnd == vnd(720760)                        # 194.80 × 3,700
    told = _messages(db, oid, "quote_requoted")
    assert len(told) == 1 and "3.650" in told[0].body and "3.700" in told[0].body
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "take_deposit", Task.entity_id == oid))
        assert task.status == "open"
    # buying is refused until the customer accepts: the deposit step, a top-up, a purchase
    with pytest.raises(DomainError):
        orders.apply_action(db, care, oid, "deposit")
    fund(db, cid, "100000")
    assert _status(db, oid) == "new" and len(quotes.quotes_panel(db, care, oid).versions) == 2
    with pytest.raises(DomainError):
        purchasing.prepare_shop_orders(db, ordering, oid)
    # an old version cannot be answered; the new one can
    with pytest.raises(DomainError):
        quote_decisions.record_acceptance(db, care, first.id)
    accepted = quote_decisions.record_acceptance(db, care, new.id)
    assert accepted.status == "taken" and accepted.decided_by == "Lê Thu Trang"
    assert _status(db, oid) == "deposited"
    view = billing.order_money_view(db, care, oid)
    assert view.rate == Decimal("3700") and view.deposit_held == vnd(504532)   # 720,760 × 70 %
    with db.read() as s:
        actions = list(s.scalars(select(ActivityEvent.action).where(
            ActivityEvent.entity == "order", ActivityEvent.entity_id == oid).order_by(ActivityEvent.id)))
        assert {"quote_sent", "requoted", "quote_accepted", "deposit"} <= set(actions)
        assert s.scalar(select(QuoteVersion.status).where(QuoteVersion.id == first.id)) == "expired"


def test_a_refused_requote_takes_nothing_until_a_new_quote_is_accepted(db, staff, clock):
    care, manager = staff["care"], staff["manager"]
    cid, oid = _cart(db, staff)
    quotes.send_quote(db, care, oid, clock.now() + timedelta(hours=1))
    fund(db, cid, "1000000")
    clock.advance(hours=2)
    set_rates(db, "3700", "3650", manager)
    again = quotes.requote(db, care, oid)                      # staff re-quote by hand
    assert again.status == "awaiting" and again.version == 2
    refused = quote_decisions.record_refusal(db, care, again.id, "  Khách thấy tỷ giá cao  ")
    assert refused.status == "refused" and refused.note == "Khách thấy tỷ giá cao"
    assert orders.apply_action(db, care, oid, "submit") == "new"
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000)
    with pytest.raises(DomainError):
        quote_decisions.record_acceptance(db, care, again.id)           # answered already
    with pytest.raises(DomainError):
        orders.apply_action(db, care, oid, "deposit")
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "take_deposit", Task.entity_id == oid))
        assert task.status == "open"
    # a new quote, accepted: the deposit is taken at its rate
    third = quotes.requote(db, care, oid)
    assert third.version == 3 and [v.status for v in quotes.quotes_panel(db, care, oid).versions] == [
        "awaiting", "refused", "expired"]
    quote_decisions.record_acceptance(db, care, third.id)
    assert _status(db, oid) == "deposited"


def test_validity_and_who_may_quote_are_checked(db, staff, clock):
    care = staff["care"]
    cid, oid = _cart(db, staff)
    for bad in (clock.now() - timedelta(hours=1), clock.now() + timedelta(days=31)):
        with pytest.raises(ValidationFailed) as exc:
            quotes.send_quote(db, care, oid, bad)
        assert "valid_until" in exc.value.field_errors
    from app.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        quotes.send_quote(db, staff["accountant"], oid)
    consignment = make_order(db, care, cid, kind="consignment")
    with pytest.raises(DomainError):
        quotes.send_quote(db, care, consignment)
    assert quotes.quotes_panel(db, care, oid).versions == ()


def test_the_quote_pdf_says_valid_until_in_the_customers_language(db, staff, tmp_path):
    import shutil
    import subprocess

    care = staff["care"]
    cid = make_customer(db, care, name="王小明", language="zh_CN", email="wang@example.com")
    oid = make_order(db, care, cid)
    set_rates(db, "3650", "3600", staff["manager"])
    q = quotes.send_quote(db, care, oid)
    data = quotes.quote_pdf(db, care, q.id)
    assert data.startswith(b"%PDF")
    path = tmp_path / "quote.pdf"
    path.write_bytes(data)
    assert shutil.which("pdftotext")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert _valid_until_words("zh_CN") in text and fmt_datetime(q.valid_until, "zh_CN") in text
    assert "女士连衣裙" in text and "3,650" in text and "₫711,020" in text
    cid_vi = make_customer(db, care, name="Trần Văn Bình", phone="0987 654 321", email="binh@example.com")
    oid_vi = make_order(db, care, cid_vi)
    q_vi = quotes.send_quote(db, care, oid_vi)
    path.write_bytes(quotes.quote_pdf(db, care, q_vi.id))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert _valid_until_words("vi") in text and fmt_datetime(q_vi.valid_until, "vi") in text
    assert "497.714" in text


def test_a_top_up_before_expiry_pays_the_deposit_at_the_quoted_rate(db, staff, clock):
    care, manager, accountant = staff["care"], staff["manager"], staff["accountant"]
    cid, oid = _cart(db, staff)
    fund(db, cid, "100000")                                    # not enough for the deposit
    q = quotes.send_quote(db, care, oid, clock.now() + timedelta(hours=6))
    assert orders.apply_action(db, care, oid, "submit") == "new"
    assert [v.status for v in quotes.quotes_panel(db, care, oid).versions] == ["sent"]   # still holds
    clock.advance(hours=4)
    set_rates(db, "3700", "3650", manager)
    fund(db, cid, "500000", accountant)                        # the money arrives before expiry
    assert _status(db, oid) == "deposited"
    view = billing.order_money_view(db, care, oid)
    assert view.rate == q.selling_rate == Decimal("3650") and view.deposit_held == q.deposit_vnd == vnd(497714)
    assert _messages(db, oid, "quote_requoted") == []


@pytest.mark.fault
def test_eight_desktops_quoting_one_order_at_once_number_the_versions_one_by_one(db, staff):
    from tests.services.test_uniqueness_races import DESKTOPS, race

    care = staff["care"]
    _cid, oid = _cart(db, staff)
    results, errors = race(db, lambda i, d: quotes.send_quote(d, care, oid).version)
    assert not errors, errors
    assert sorted(results.values()) == list(range(1, DESKTOPS + 1))
    statuses = [v.status for v in quotes.quotes_panel(db, care, oid).versions]
    assert statuses == ["sent"] + ["superseded"] * (DESKTOPS - 1)   # one quote holds the rate


def test_the_quote_e_mail_carries_its_pdf(db, staff, tmp_path):
    import subprocess

    from tests.services.test_outbox_smtp import MailServer, configure
    from app.services import outbox

    care = staff["care"]
    cid, oid = _cart(db, staff)
    q = quotes.send_quote(db, care, oid)
    server = MailServer().start()
    try:
        configure(db, make_user(db, Role.ADMIN), server.port)
        outbox.send_due(db)
    finally:
        server.stop()
    [mail] = [m for m in server.messages if "DH" in m["Subject"] and m.is_multipart()]
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_filename().endswith("-v1.pdf")
    path = tmp_path / pdf.get_filename()
    path.write_bytes(pdf.get_content())
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert q.order_code in text and _valid_until_words("vi") in text and fmt_datetime(q.valid_until, "vi") in text
    assert "497.714" in mail.get_body(("plain",)).get_content()
