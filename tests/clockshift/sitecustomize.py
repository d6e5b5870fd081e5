"""Moves this process's clock when the test run moves it (`BATON_TEST_CLOCK_OFFSET`, seconds).

Test helpers put this folder on PYTHONPATH for the processes they start (`python -m workers`,
the embedded demo), so a worker agrees with the test process about "now" to the second: the
offset is computed once per run from real time, and every process travels by the same offset
with its clock ticking.
"""

import os

_offset = os.environ.get("BATON_TEST_CLOCK_OFFSET")
if _offset:
    import datetime as _dt

    import time_machine as _tm

    _tm.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=float(_offset)), tick=True).start()
