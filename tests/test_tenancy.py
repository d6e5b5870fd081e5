"""Tenant isolation in the data layer: what `app.core.tenancy` promises every query and write.

Every ORM statement on a tenant model is scoped to the current agency (selects, relationship
loads, joins, subqueries, bulk UPDATE/DELETE); no agency set raises; writing another
agency's row raises; `all_tenants()` is the explicit way to see everything.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.clients.models import Assignment, Client, Contact, ServicePackage
from app.core.pagination import paginate
from app.core.tenancy import (
    CrossTenantWrite,
    TenantContextMissing,
    TenantScoped,
    all_tenants,
    tenant,
)
from app.extensions import db
from app.users.models import Membership
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
)
from tests.objects import build_agency


@pytest.fixture
def two():
    """Agencies A and B with two clients each, a contact and an assignment each."""
    a, b = AgencyFactory(name="A"), AgencyFactory(name="B")
    out = {"a": a.id, "b": b.id}
    for key, agency in (("a", a), ("b", b)):
        c1 = ClientFactory(agency=agency, name=f"{key}-one")
        c2 = ClientFactory(agency=agency, name=f"{key}-two")
        contact = ContactFactory(client=c1, name=f"{key}-contact")
        va = MembershipFactory(agency=agency, role="va")
        assignment = AssignmentFactory(client=c1, membership=va)
        out[key + "_clients"] = sorted([c1.id, c2.id])
        out[key + "_contact"] = contact.id
        out[key + "_assignment"] = assignment.id
        out[key + "_member"] = assignment.membership_id
    db.session.expunge_all()
    return out


def _names(stmt) -> list[str]:
    return sorted(db.session.scalars(stmt).all())


TENANT_MODELS = sorted(
    (m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_query_without_tenant_raises(model):
    with pytest.raises(TenantContextMissing):
        db.session.scalars(sa.select(model)).all()


def test_every_tenant_table_has_an_indexed_not_null_agency_fk():
    assert {m.__name__ for m in TENANT_MODELS} >= {
        "Membership",
        "Invitation",
        "ApiToken",
        "Client",
        "Contact",
        "Assignment",
        "ServicePackage",
        "AuditEvent",
    }
    for model in TENANT_MODELS:
        col = model.__table__.c.agency_id
        assert not col.nullable, model
        assert any(fk.column.table.name == "agencies" for fk in col.foreign_keys), model
        assert col.index or any(list(ix.columns)[0] is col for ix in model.__table__.indexes), model


def test_count_subquery_without_tenant_raises(two):
    with pytest.raises(TenantContextMissing):
        paginate(sa.select(Client), 1, 10)


def test_session_get_without_tenant_raises(two):
    with pytest.raises(TenantContextMissing):
        db.session.get(Client, two["a_clients"][0])


def test_plain_select_sees_only_the_current_agency(two):
    with tenant(two["a"]):
        assert _names(sa.select(Client.name)) == ["a-one", "a-two"]
        assert db.session.scalar(sa.select(sa.func.count(Client.id))) == 2
        # An explicit filter on the other agency finds nothing instead of its rows.
        assert _names(sa.select(Client.name).where(Client.agency_id == two["b"])) == []
        assert (
            db.session.scalars(sa.select(Client).where(Client.id.in_(two["b_clients"]))).all() == []
        )
    with tenant(two["b"]):
        assert _names(sa.select(Client.name)) == ["b-one", "b-two"]


def test_session_get_of_another_agencys_id_is_none_in_a_fresh_session(two):
    with tenant(two["a"]):
        assert db.session.get(Client, two["b_clients"][0]) is None
        assert db.session.get(Contact, two["b_contact"]) is None
        assert db.session.get(Assignment, two["b_assignment"]) is None
        assert db.session.get(Membership, two["b_member"]) is None
        assert db.session.get(Client, two["a_clients"][0]).name == "a-one"


def test_relationship_loads_are_scoped(two):
    """Even a (corrupt) cross-agency link is not followed: A's client does not list a
    contact row of agency B that points at it."""
    with all_tenants():
        db.session.add(
            Contact(agency_id=two["b"], client_id=two["a_clients"][0], name="b-intruder")
        )
        db.session.flush()
    db.session.expunge_all()
    with tenant(two["a"]):
        client = db.session.get(Client, two["a_clients"][0])
        assert [c.name for c in client.contacts] == ["a-contact"]
        assignment = db.session.get(Assignment, two["a_assignment"])
        assert assignment.client.name == "a-one"
        assert assignment.membership.agency_id == two["a"]


def test_joins_are_scoped_on_every_joined_tenant_model(two):
    with all_tenants():
        db.session.add(
            Contact(agency_id=two["b"], client_id=two["a_clients"][0], name="b-intruder")
        )
        db.session.flush()
    db.session.expunge_all()
    with tenant(two["a"]):
        joined = _names(sa.select(Contact.name).join(Client, Client.id == Contact.client_id))
        assert joined == ["a-contact"]
        outer = db.session.execute(
            sa.select(Client.name, Contact.name)
            .outerjoin(Contact, Contact.client_id == Client.id)
            .order_by(Client.name, Contact.name)
        ).all()
        assert [tuple(r) for r in outer] == [("a-one", "a-contact"), ("a-two", None)]
        other = aliased(Client)
        self_join = db.session.scalars(
            sa.select(other.name).join(Client, Client.id != other.id).order_by(other.name)
        ).all()
        assert set(self_join) == {"a-one", "a-two"}


def test_subquery_counts_as_in_pagination_are_scoped(two):
    with tenant(two["a"]):
        page = paginate(sa.select(Client).order_by(Client.name), page=1, per_page=1)
        assert page.total == 2
        assert [c.name for c in page.items] == ["a-one"]
        in_subquery = db.session.scalar(
            sa.select(sa.func.count()).where(
                sa.exists(sa.select(Contact.id).where(Contact.client_id.in_(two["b_clients"])))
            )
        )
        assert in_subquery == 0
        nested = sa.select(Client.id).where(Client.id.in_(sa.select(Assignment.client_id)))
        assert db.session.scalars(nested).all() == [two["a_clients"][0]]


def test_bulk_update_and_delete_touch_only_the_current_agency(two):
    with tenant(two["a"]):
        db.session.execute(sa.update(Client).values(notes="touched by A"))
        db.session.execute(sa.delete(Contact))
    with all_tenants():
        notes = dict(db.session.execute(sa.select(Client.name, Client.notes)).all())
        contacts = _names(sa.select(Contact.name))
    assert notes == {
        "a-one": "touched by A",
        "a-two": "touched by A",
        "b-one": None,
        "b-two": None,
    }
    assert contacts == ["b-contact"]


def test_bulk_update_by_id_of_another_agency_changes_nothing(two):
    with tenant(two["a"]):
        result = db.session.execute(
            sa.update(Client).where(Client.id == two["b_clients"][0]).values(name="hijacked")
        )
        assert result.rowcount == 0
    with all_tenants():
        assert db.session.get(Client, two["b_clients"][0]).name == "b-one"


def test_new_rows_get_the_current_agency(two):
    with tenant(two["a"]):
        c = Client(name="stamped", time_zone="UTC", currency="EUR")
        db.session.add(c)
        db.session.flush()
        assert c.agency_id == two["a"]


def _refused(exc_type, change) -> None:
    """`change()` then flush must raise; the savepoint keeps the test's own rows."""
    with pytest.raises(exc_type), db.session.begin_nested():
        change()
        db.session.flush()


def _b_client(two) -> Client:
    with all_tenants():
        return db.session.get(Client, two["b_clients"][0])


def test_adding_a_row_of_another_agency_raises(two):
    package = ServicePackage(agency_id=two["b"], name="sneaky", pricing="fixed", currency="USD")
    with tenant(two["a"]):
        _refused(CrossTenantWrite, lambda: db.session.add(package))
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServicePackage)) == 0


def test_changing_a_row_of_another_agency_raises(two):
    b_client = _b_client(two)
    with tenant(two["a"]):
        _refused(CrossTenantWrite, lambda: setattr(b_client, "name", "changed from A"))
    db.session.expunge_all()
    assert _b_client(two).name == "b-one"


def test_deleting_a_row_of_another_agency_raises(two):
    b_client = _b_client(two)
    with tenant(two["a"]):
        _refused(CrossTenantWrite, lambda: db.session.delete(b_client))
    db.session.expunge_all()
    assert _b_client(two) is not None


def test_moving_a_row_to_another_agency_raises(two):
    with tenant(two["a"]):
        a_client = db.session.get(Client, two["a_clients"][0])
        _refused(CrossTenantWrite, lambda: setattr(a_client, "agency_id", two["b"]))
    db.session.expunge_all()
    with tenant(two["a"]):
        assert db.session.get(Client, two["a_clients"][0]) is not None


def test_writing_a_tenant_row_without_tenant_raises(two):
    client = Client(agency_id=two["a"], name="x", time_zone="UTC", currency="EUR")
    _refused(TenantContextMissing, lambda: db.session.add(client))
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 4


def test_all_tenants_sees_every_agency(two):
    with all_tenants():
        assert _names(sa.select(Client.name)) == ["a-one", "a-two", "b-one", "b-two"]
        assert db.session.get(Client, two["b_clients"][0]).name == "b-one"
        assert paginate(sa.select(Client), 1, 10).total == 4


def test_tenant_inside_all_tenants_scopes_again(two):
    with all_tenants(), tenant(two["b"]):
        assert _names(sa.select(Client.name)) == ["b-one", "b-two"]


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_every_tenant_model_is_scoped(model):
    """Every tenant model's SELECT carries the agency filter (checked on the SQL sent, so a
    model with no rows yet is covered), and where the walkers' world has rows of the kind
    in both agencies, agency A reads exactly its own."""
    a, b = build_agency("A"), build_agency("B")
    db.session.expunge_all()
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with tenant(a.agency_id):
            seen = db.session.scalars(sa.select(model)).all()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    table = model.__table__.name
    selects = [(sql, params) for sql, params in sent if f"FROM {table}" in sql]
    assert selects, sent
    for sql, params in selects:
        assert f"{table}.agency_id = " in sql, sql
        values = params.values() if isinstance(params, dict) else params
        assert a.agency_id in list(values), (sql, params)
    assert {row.agency_id for row in seen} <= {a.agency_id}
    with all_tenants():
        per_agency = dict(
            db.session.execute(
                sa.select(model.agency_id, sa.func.count()).group_by(model.agency_id)
            ).all()
        )
    if per_agency.get(a.agency_id) and per_agency.get(b.agency_id):
        assert len(seen) == per_agency[a.agency_id]


def test_bulk_insert_of_another_agencys_row_raises(two):
    with tenant(two["a"]):
        _refused(
            CrossTenantWrite,
            lambda: db.session.execute(
                sa.insert(Client).values(
                    agency_id=two["b"], name="bulk-sneaky", time_zone="UTC", currency="EUR"
                )
            ),
        )
    with all_tenants():
        assert _names(sa.select(Client.name).where(Client.name == "bulk-sneaky")) == []


def test_bulk_update_cannot_move_rows_to_another_agency(two):
    with tenant(two["a"]):
        _refused(
            CrossTenantWrite,
            lambda: db.session.execute(sa.update(Client).values(agency_id=two["b"])),
        )
    with all_tenants():
        owners = db.session.execute(sa.select(Client.name, Client.agency_id)).all()
    assert sorted(n for n, agency in owners if agency == two["a"]) == ["a-one", "a-two"]
