"""One clock: application code reads the time only through app.core.clock, and a moved test
clock reaches the processes the tests start."""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import time_machine

from app.core.clock import now_in, today_in, utcnow
from tests.conftest import CLOCKSHIFT_DIR

ROOT = Path(__file__).resolve().parents[1]
CLOCK_MODULE = ROOT / "app" / "core" / "clock.py"
# (object, attribute) pairs that read the system clock.
CLOCK_READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in CLOCK_READS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_application_code_reads_the_time_only_through_the_clock_module():
    files = [p for d in ("app", "workers") for p in (ROOT / d).rglob("*.py")]
    offenders = [hit for p in files if p != CLOCK_MODULE for hit in _clock_reads(p)]
    assert offenders == [], "read the time through app.core.clock:\n" + "\n".join(offenders)


def test_the_guard_sees_a_direct_read(tmp_path):
    sample = ROOT / "app" / "_clock_guard_sample.py"
    try:
        sample.write_text("import datetime as dt\nWHEN = dt.datetime.now(dt.UTC)\n")
        assert _clock_reads(sample) == ["app/_clock_guard_sample.py:2 datetime.now()"]
    finally:
        sample.unlink()


def test_local_dates_follow_the_zone(time_machine):
    # 23:30 UTC on 31 December is already 1 January in Tokyo and still 31 December in Lima.
    time_machine.move_to(dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False)
    assert utcnow() == dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert today_in("Asia/Tokyo") == dt.date(2028, 1, 1)
    assert today_in("America/Lima") == dt.date(2027, 12, 31)
    assert now_in("Asia/Tokyo").hour == 8 and now_in(None).tzinfo is not None


def test_a_moved_clock_reaches_the_processes_tests_start():
    """What the moved-clock CI runs rely on: a worker started with the run's offset lives
    at the same moment as the test process."""
    offset = 400 * 86400 + 3600
    env = {
        **os.environ,
        "BATON_TEST_CLOCK_OFFSET": str(offset),
        "PYTHONPATH": os.pathsep.join([CLOCKSHIFT_DIR, str(ROOT)]),
    }
    code = "from app.core.clock import utcnow; print(utcnow().timestamp())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    seen = float(out.stdout.strip())
    hatch = time_machine.escape_hatch  # the real time, also inside a moved-clock run
    real_now = hatch.time.time() if hatch.is_travelling() else time.time()
    expected = real_now + offset
    assert abs(seen - expected) < 60, (seen, expected)
