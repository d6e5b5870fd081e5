"""Tenant isolation in the data layer: one listener scopes every ORM statement to one agency.

Every tenant-owned model mixes in `TenantScoped`. Every ORM SELECT, UPDATE and DELETE that
touches such a model gets `agency_id = <current agency>` added, including relationship
loads. A statement on a tenant model with no current agency raises `TenantContextMissing`.
New rows get the current agency stamped on flush, and a row of another agency can't be
written. Cross-tenant work (platform CLI, sweeps) must say so with `all_tenants()`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

_current_agency: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "baton_current_agency", default=None
)
_all_tenants: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "baton_all_tenants", default=False
)


class TenantContextMissing(RuntimeError):
    """A tenant-scoped statement ran with no agency set and without `all_tenants()`."""


class CrossTenantWrite(RuntimeError):
    """A flush tried to write a row that belongs to another agency than the current one."""


class TenantScoped:
    """Mixin for tenant-owned models: adds `agency_id` (NOT NULL, indexed, FK to agencies)."""

    @declared_attr
    def agency_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(
            sa.ForeignKey("agencies.id", ondelete="CASCADE"), nullable=False, index=True
        )


def current_agency_id() -> int | None:
    return _current_agency.get()


def set_current_agency(agency_id: int | None) -> contextvars.Token:
    """Set the tenant for this context (a request or a job); returns a token to reset it."""
    return _current_agency.set(agency_id)


def reset_current_agency(token: contextvars.Token) -> None:
    _current_agency.reset(token)


@contextlib.contextmanager
def tenant(agency_id: int | None) -> Iterator[None]:
    """Run a block as agency `agency_id` (jobs, CLI, tests); None means no agency at all.
    Inside, scoping applies again even when an outer block said `all_tenants()`."""
    token = _current_agency.set(agency_id)
    all_token = _all_tenants.set(False)
    try:
        yield
    finally:
        _all_tenants.reset(all_token)
        _current_agency.reset(token)


@contextlib.contextmanager
def all_tenants() -> Iterator[None]:
    """Explicitly run a block across every agency (platform CLI, sweeps, login look-ups)."""
    token = _all_tenants.set(True)
    agency_token = _current_agency.set(None)
    try:
        yield
    finally:
        _current_agency.reset(agency_token)
        _all_tenants.reset(token)


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantScoped) for m in state.all_mappers)


def _guard_bulk_write(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE statements bypass the flush guard: the agency ids they write
    (in `.values()` or in the parameter rows) must be the current agency's."""
    if not _touches_tenant_model(state):
        return
    agency_id = _current_agency.get()
    if agency_id is None:
        raise TenantContextMissing(
            "tenant-scoped write with no agency set; use tenant(agency_id) or all_tenants()"
        )
    written = [
        value
        for key, value in state.statement.compile().params.items()
        if key == "agency_id" or key.startswith("agency_id_m")
    ]
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    written += [row["agency_id"] for row in rows if "agency_id" in row]
    for value in written:
        if value != agency_id:
            raise CrossTenantWrite(f"bulk write of agency {value} as agency {agency_id}")


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.is_column_load or _all_tenants.get():
        return
    if state.is_insert or state.is_update:
        _guard_bulk_write(state)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_tenant_scope"):
        return
    agency_id = _current_agency.get()
    if agency_id is None:
        if _touches_tenant_model(state):
            raise TenantContextMissing(
                "tenant-scoped query with no agency set; use tenant(agency_id) or all_tenants()"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.agency_id == agency_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_and_guard(session: Session, flush_context: Any, instances: Any) -> None:
    if _all_tenants.get():
        return
    agency_id = _current_agency.get()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if agency_id is None:
            raise TenantContextMissing(
                f"writing {type(obj).__name__} with no agency set; use tenant(agency_id)"
            )
        if obj in session.new and obj.agency_id is None:
            obj.agency_id = agency_id
        elif obj.agency_id != agency_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of agency {obj.agency_id} written as agency {agency_id}"
            )
