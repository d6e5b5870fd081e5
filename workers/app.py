"""The Flask app of a worker or clock process: made once at process start, never at import."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def get_app() -> Flask:
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app
