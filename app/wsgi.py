"""The WSGI entry point of the web process: `gunicorn app.wsgi:app`.

The app is made once per worker; what exists then (modules, the app, its templates and
catalogues) lives as long as the process, so it is moved out of the garbage collector's
generations (`gc.freeze`): full collections then walk only what requests allocate, which
keeps the slowest requests of a large page (the team heat map) from paying for the whole
heap (measured in BENCHMARKS.md).
"""

from __future__ import annotations

import gc

from app import create_app

app = create_app()
gc.freeze()
