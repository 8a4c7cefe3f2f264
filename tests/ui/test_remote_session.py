"""A desktop signed in to a server reaches the company's data through the same Session.call."""


def test_a_remote_session_reads_and_writes_through_the_server(company, remote_sessions):
    session = remote_sessions("trang")
    assert session.db is None and session.remote
    view = session.call("customers.get", company["customer"])
    assert view.name == "Nguyễn Thị Hằng"
    found = session.call("customers.find", "0912345678")
    assert [c.id for c in found] == [company["customer"]]
