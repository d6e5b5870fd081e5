"""The month's burn-down of a bank of hours as a server-drawn SVG: the hours used so far,
day by day, against the hours the month holds (no script needed; the figures are also
written out beside it)."""

from __future__ import annotations

from dataclasses import dataclass

from app.retainers.hours import Bank

WIDTH, HEIGHT, PAD = 600, 200, 10


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    used_points: str  # "x,y x,y ..." of the polyline
    limit_y: float  # the line of the month's hours
    over: bool


def burndown_chart(bank: Bank, upto: int | None = None) -> Chart:
    """Points of the cumulative hours used by day (up to day `upto` when given: the days to
    come are not drawn) against the available hours."""
    cumulative = bank.cumulative()
    if upto is not None:
        cumulative = cumulative[:upto]
    top = max([bank.available, *(m for _, m in cumulative), 1])
    days = max(len(bank.days) - 1, 1)

    def y(minutes: int) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * minutes / top, 1)

    points = " ".join(
        f"{round(PAD + (WIDTH - 2 * PAD) * i / days, 1)},{y(m)}"
        for i, (_, m) in enumerate(cumulative)
    )
    return Chart(WIDTH, HEIGHT, points, y(bank.available), bank.used > bank.available)
