"""The station journal on its own: durable settings, the station's identity, what it answers
offline from its cache, and a refusal that sending again would not change."""
from decimal import Decimal

from sqlalchemy.exc import OperationalError

from app.errors import DomainError
from app.journal import Journal, Station
from app.services.scanning import Measurements, Outcome
from app.services.station_scans import ExpectedCode


def _down(scan):
    raise OperationalError("connect", {}, Exception("connection refused"))


def test_the_journal_is_durable_and_keeps_its_station_name(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    assert j._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert j._conn.execute("PRAGMA synchronous").fetchone()[0] == 2          # FULL
    name = j.station
    j.close()
    assert Journal(tmp_path / "j.sqlite3").station == name


def test_offline_answers_come_from_the_cache_and_the_journal(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    s = Station(j, _down, user_id=7)
    first = s.scan(3, "SF1000000001")
    assert first.outcome == Outcome.EXTRA and first.facts["offline"]       # no list yet: not checked
    j.replace_expected([ExpectedCode("SF1000000002", "KH000001", "DH0000001", "HN-02", "VN-HN", ""),
                        ExpectedCode("SF1000000003", "KH000002", "DH0000002", "HN-03", "VN-HN",
                                     "Hàng dễ vỡ")])
    r = s.scan(3, " sf1000000002 ", Measurements(Decimal("1.2345")))
    assert (r.outcome, r.customer_code, r.shelf) == (Outcome.RECEIVED, "KH000001", "HN-02")
    assert s.scan(3, "SF1000000002").outcome == Outcome.ALREADY
    alert = s.scan(3, "SF1000000003")
    assert alert.outcome == Outcome.ALERT and "Hàng dễ vỡ" in alert.detail
    assert s.scan(3, "SF1000000009").outcome == Outcome.OWNERLESS
    assert s.scan(3, "not a code").outcome == Outcome.REFUSED                # not journalled
    entries = j.entries()
    assert [e.code for e in entries] == ["SF1000000001", "SF1000000002", "SF1000000002", "SF1000000003",
                                         "SF1000000009"]
    assert entries[1].measurements.weight_kg == Decimal("1.235") and entries[1].user_id == 7
    assert s.status() == (False, 5, 0)


def test_a_refusal_is_kept_as_the_answer_and_not_sent_again(tmp_path):
    def refuse(scan):
        raise DomainError("Choose a warehouse in China to receive into.")

    j = Journal(tmp_path / "j.sqlite3")
    s = Station(j, refuse)
    r = s.scan(3, "SF1000000001")
    assert r.outcome == Outcome.WRONG and r.detail and r.tone == "error"
    assert s.status() == (True, 0, 0)


def test_old_applied_scans_are_forgotten_but_waiting_and_review_ones_stay(tmp_path):
    from app.services.scanning import ScanResult

    j = Journal(tmp_path / "j.sqlite3")
    s = Station(j, _down)
    j.replace_expected([])
    for code in ("SF1000000001", "SF1000000002", "SF1000000003"):
        s.scan(3, code)
    a, b, _c = j.entries()
    j.mark_applied(a.scan_id, ScanResult(Outcome.OWNERLESS, a.code, "x"))
    j.mark_applied(b.scan_id, ScanResult(Outcome.ALERT, b.code, "x"))        # differs: to review
    j._conn.execute("UPDATE scans SET applied_at = '2020-01-01T00:00:00+00:00'")
    assert j.prune() == 1
    assert [e.code for e in j.entries()] == ["SF1000000002", "SF1000000003"]
    assert j.counts() == (1, 1)


def test_a_database_that_cannot_be_reached_reported_as_a_domain_error_still_keeps_the_scan(tmp_path, monkeypatch):
    import app.errors

    class DatabaseUnavailable(DomainError):
        pass

    monkeypatch.setattr(app.errors, "DatabaseUnavailable", DatabaseUnavailable, raising=False)

    def unreachable(scan):
        raise DatabaseUnavailable("The database cannot be reached.")

    s = Station(Journal(tmp_path / "j.sqlite3"), unreachable)
    r = s.scan(3, "SF1000000001")
    assert r.facts["offline"] and s.status() == (False, 1, 0)


def test_a_manifest_not_fetched_for_two_weeks_is_forgotten_unless_its_sack_is_on_its_way_or_scans_wait(tmp_path):
    from app.services.station_scans import ExpectedCode, InTransit

    def manifest(*codes):
        return [ExpectedCode(c, "KH1", "DH1", "A-1", "", "", "") for c in codes]

    j = Journal(tmp_path / "j.sqlite3")
    s = Station(j, _down)
    j.replace_expected(manifest("SF1000000009"))                # the China list: never forgotten
    j.replace_cache("receive_vn", 11, manifest("SF1000000011"))   # a sack received long ago
    j.replace_cache("receive_vn", 12, manifest("SF1000000012"))   # a sack still on its way here
    j.replace_cache("receive_vn", 13, manifest("SF1000000013"))   # scanned offline, not sent yet
    j.replace_cache("pack", 14, manifest("SF1000000014"))         # fetched yesterday
    j.replace_sacks(5, [InTransit(12, "SH12", "S-12", None, None, 1, "CN", False, False)])
    s.scan(5, "SF1000000013", kind="receive_vn", target_id=13)
    j._conn.execute("UPDATE meta SET value = '2020-01-01T00:00:00+00:00' WHERE key LIKE 'cache_at:%'"
                    " AND key <> 'cache_at:pack:14'")
    j.prune()
    assert j.manifest(11) == []
    assert not j.has_cache("receive_vn", 11)
    assert [e.code for e in j.manifest(12)] == ["SF1000000012"]
    assert [e.code for e in j.manifest(13)] == ["SF1000000013"]
    assert j.cached("pack", 14, "SF1000000014") is not None
    assert j.expected("SF1000000009") is not None
