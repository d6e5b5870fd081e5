"""Who may call what: the actor, role declarations on views, and the check every request gets.

Secure by default: a view must be marked `@public`, `@login_only` (a signed-in person, no
agency) or `@roles(...)` (a member of the agency in the URL with one of those roles). The
request hook refuses anything else, and a test fails on any endpoint without a declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = ("owner", "manager", "va", "qa", "client")
STAFF = ("owner", "manager", "va", "qa")
MANAGERS = ("owner", "manager")

PUBLIC = "public"
LOGIN_ONLY = "login_only"


@dataclass
class Actor:
    """Who is acting, in which agency, with which role; passed explicitly to services."""

    user: Any
    agency: Any = None
    membership: Any = None
    ip: str | None = None
    via: str = "web"
    extra: dict = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership is not None else None

    @property
    def agency_id(self) -> int | None:
        return self.agency.id if self.agency is not None else None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def label(self) -> str:
        if self.user is None:
            return "system"
        return f"{self.user.name} <{self.user.email}>"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS

    @property
    def sees_rates(self) -> bool:
        """Bill rates are for owners and managers only (field level)."""
        return self.role in MANAGERS

    @property
    def sees_costs(self) -> bool:
        """Everyone's costs (what the agency pays its people): owners, and managers when the
        agency says so. A person's own costs are theirs to see too (app.rates.policy)."""
        if self.role == "owner":
            return True
        return self.role == "manager" and bool(getattr(self.agency, "managers_see_costs", False))


def _declare(fn: F, kind: str, roles: tuple[str, ...] = ()) -> F:
    fn._baton_access = kind  # type: ignore[attr-defined]
    fn._baton_roles = roles  # type: ignore[attr-defined]
    return fn


def public(fn: F) -> F:
    """No login needed (login page, sign-up, health check)."""
    return _declare(fn, PUBLIC)


def login_only(fn: F) -> F:
    """A signed-in person, outside any agency (profile, agency switcher)."""
    return _declare(fn, LOGIN_ONLY)


def roles(*allowed: str) -> Callable[[F], F]:
    """A member of the URL's agency with one of `allowed` roles."""
    unknown = set(allowed) - set(ALL_ROLES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown!r}")

    def deco(fn: F) -> F:
        return _declare(fn, "roles", tuple(allowed))

    return deco


def declared_access(view: Callable[..., Any], method: str) -> tuple[str, tuple[str, ...]] | None:
    """The declaration of a view function (or of a MethodView's method), or None."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        target: Iterable[Any] = (handler, view_class)
    else:
        target = (view,)
    for obj in target:
        kind = getattr(obj, "_baton_access", None)
        if kind is not None:
            return kind, getattr(obj, "_baton_roles", ())
    return None


def authorize(allowed: bool, message: str = "Your role does not allow this.") -> None:
    """Raise 403 unless a policy said yes (after the object loaded, so invisible is 404)."""
    if not allowed:
        from app.core.errors import Forbidden

        raise Forbidden(message)


def loads(getter: Callable[[Any, int], Any], id_arg: str, name: str) -> Callable[[F], F]:
    """For API operations: replace the URL's `id_arg` with `getter(actor, id)` (or its 404)
    before any argument parsing, so another agency's id is 404 whatever the body says."""
    import functools

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from flask import g

            kwargs[name] = getter(g.actor, kwargs.pop(id_arg))
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco
