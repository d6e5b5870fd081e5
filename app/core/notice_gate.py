"""Where `queue_email(notice=...)` asks how a notification's recipient wants it: the
preferences domain (app.notices) registers its gate here when the app is created, so core
mail needs no domain import."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session


class NoticeGate(Protocol):
    """How a notification's recipient wants it (app.notices registers the one in use)."""

    def channel(self, session: Session, agency_id: int | None, to: str, kind: str) -> str: ...

    def hold(
        self,
        session: Session,
        *,
        agency_id: int,
        to: str,
        kind: str,
        key: str,
        subject: str,
        link: str | None,
    ) -> None: ...


NOTICE_GATES: list[NoticeGate] = []
