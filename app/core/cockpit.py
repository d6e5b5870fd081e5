"""The owner's cockpit: tiles on the dashboard, each from the domain that owns its figure.

A domain registers a tile function at import (`@cockpit_tile(order)`); the dashboard calls
every registered function for the reader and shows the tiles that came back (a function
returns None for a reader who may not see its figure, or when its domain has nothing to
say). Core knows no domain: the registry keeps the dashboard free of their imports, and a
domain that is not installed simply has no tile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TileFunction = Callable[[Any], "Tile | None"]

_TILES: list[tuple[int, str, TileFunction]] = []


@dataclass(frozen=True)
class Tile:
    """One figure of the cockpit, written for the reader, and the report behind it.

    `value` is the figure ("3 of 12"), `label` what it is ("VAs over capacity"), `detail` a
    short line under it; `tone` a Bootstrap colour when the figure needs attention
    ("danger", "warning", "success"); `percent` (0-100) draws a bar under the figure."""

    key: str
    label: str
    value: str
    href: str | None = None
    detail: str = ""
    tone: str = ""
    icon: str = "speedometer2"
    percent: int | None = None


def cockpit_tile(order: int) -> Callable[[TileFunction], TileFunction]:
    """Register `fn(actor) -> Tile | None` at position `order` (lower first)."""

    def register(fn: TileFunction) -> TileFunction:
        key = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != key for _o, existing, _f in _TILES):
            _TILES.append((order, key, fn))
            _TILES.sort(key=lambda t: (t[0], t[1]))
        return fn

    return register


def cockpit_tiles(actor: Any) -> list[Tile]:
    """The tiles this reader sees, in order."""
    tiles = []
    for _order, _key, fn in _TILES:
        tile = fn(actor)
        if tile is not None:
            tiles.append(tile)
    return tiles
