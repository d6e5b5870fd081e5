"""CSV for spreadsheets: text cells that cannot start a formula (CSV injection), and rows
written one at a time so a download of any size streams in flat memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Text that a spreadsheet shows as text: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


class _Line:
    """A file-like target for csv.writer that hands back what was just written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, one chunk per row (quoting as csv.writer does).
    Cells are written as given: pass people's text through `safe_cell`."""
    line = _Line()
    writer = csv.writer(line.buffer)
    writer.writerow(header)
    yield line.take()
    for row in rows:
        writer.writerow(row)
        yield line.take()
