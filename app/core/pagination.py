"""Offset pagination with a total, shared by list pages and the API."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show: first, last and `size` around the current one, gaps as None."""
        shown = sorted(
            {1, self.pages, *range(max(1, self.page - size), min(self.pages, self.page + size) + 1)}
        )
        out: list[int | None] = []
        for prev, cur in zip([0, *shown], shown, strict=False):
            if cur - prev > 1:
                out.append(None)
            out.append(cur)
        return out

    def meta(self) -> dict:
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
        }


def paginate(stmt: sa.Select, page: int, per_page: int) -> Page:
    """Run `stmt` for one page plus one COUNT over the same filters (two statements)."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    )
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
