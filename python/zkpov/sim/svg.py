"""Inline SVG charts drawn by hand (no plotting dependency): axes with ticks and labels, lines,
bars, bands and markers. Every string that reaches the SVG is escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Chart", "Scale", "compute_ticks", "escape", "format_number", "thin"]

WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 60, 52
Point = tuple[float, float]


def escape(text: object) -> str:
    """``text`` safe inside SVG/HTML text and double-quoted attributes."""
    return html.escape(str(text), quote=True)


def format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.3g}"


def compute_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten apart) in [low, high]."""
    span = high - low
    if not math.isfinite(span) or span <= 0:
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def thin(points: Sequence[Point], limit: int) -> list[Point]:
    """At most ``limit`` of ``points``, evenly spaced, the last one kept."""
    if len(points) <= limit:
        return list(points)
    step = len(points) / (limit - 1)
    return [points[int(i * step)] for i in range(limit - 1)] + [points[-1]]


@dataclass(frozen=True)
class Scale:
    """Maps data values in [low, high] onto pixels [start, end]."""

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.start + (value - self.low) / span * (self.end - self.start)


@dataclass
class Chart:
    """One plot: ``add_*`` the marks, then ``render()`` the ``<svg>`` element."""

    title: str
    x_label: str
    y_label: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    marks: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def x(self) -> Scale:
        return Scale(*self.x_range, LEFT, WIDTH - RIGHT)

    @property
    def y(self) -> Scale:
        return Scale(*self.y_range, HEIGHT - BOTTOM, TOP)

    def add_line(self, points: Sequence[Point], color: str, label: str = "", *, step: bool = False,
                 width: float = 1.5) -> None:  # fmt: skip
        """A polyline (``step``: horizontal then vertical between points)."""
        coords: list[str] = []
        for i, (px, py) in enumerate(points):
            if step and i:
                coords.append(f"{self.x.at(px):.1f},{self.y.at(points[i - 1][1]):.1f}")
            coords.append(f"{self.x.at(px):.1f},{self.y.at(py):.1f}")
        self.marks.append(
            f'<polyline fill="none" stroke="{escape(color)}" stroke-width="{width}" '
            f'points="{" ".join(coords)}"/>'
        )
        self._add_legend(label, color)

    def add_bar(self, x0: float, x1: float, height: float, color: str) -> None:
        top, base = self.y.at(height), self.y.at(self.y_range[0])
        left, right = self.x.at(x0), self.x.at(x1)
        self.marks.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{max(right - left, 0.5):.1f}" '
            f'height="{max(base - top, 0.0):.1f}" fill="{escape(color)}"/>'
        )

    def add_band(self, x0: float, x1: float, color: str, label: str = "") -> None:
        """A shaded vertical band over [x0, x1] (a marker line when they are equal)."""
        left, right = self.x.at(x0), self.x.at(x1)
        self.marks.append(
            f'<rect x="{left:.1f}" y="{TOP}" width="{max(right - left, 1.0):.1f}" '
            f'height="{HEIGHT - TOP - BOTTOM}" fill="{escape(color)}" fill-opacity="0.25"/>'
        )
        self._add_legend(label, color)

    def add_tick_marker(self, x: float, color: str, label: str = "") -> None:
        """A short vertical tick at the bottom of the plot area."""
        px, base = self.x.at(x), HEIGHT - BOTTOM
        self.marks.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{base}" y2="{base - 8}" '
            f'stroke="{escape(color)}" stroke-width="1"/>'
        )
        self._add_legend(label, color)

    def add_hline(self, y: float, color: str, label: str = "") -> None:
        py = self.y.at(y)
        self.marks.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" '
            f'stroke="{escape(color)}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        self._add_legend(label, color)

    def _add_legend(self, label: str, color: str) -> None:
        if label and (label, color) not in self.legend:
            self.legend.append((label, color))

    def render(self) -> str:
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="sans-serif" font-size="11">',
            f"<title>{escape(self.title)}</title>",
            f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-size="14" '
            f'font-weight="bold">{escape(self.title)}</text>',
            *self._render_axes(), *self.marks, *self._render_legend(), *self._render_notes(),
            "</svg>",
        ]  # fmt: skip
        return "\n".join(parts)

    def _render_axes(self) -> list[str]:
        base, right = HEIGHT - BOTTOM, WIDTH - RIGHT
        middle = (TOP + base) / 2
        out = [
            f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{base - TOP}" '
            'fill="none" stroke="#444"/>'
        ]
        for value in compute_ticks(*self.x_range):
            px = self.x.at(value)
            out.append(_line(px, base, px, base + 4, "#444"))
            out.append(_text(px, base + 16, format_number(value), "middle"))
        for value in compute_ticks(*self.y_range):
            py = self.y.at(value)
            out.append(_line(LEFT - 4, py, LEFT, py, "#444"))
            out.append(_text(LEFT - 6, py + 4, format_number(value), "end"))
        out.append(_text((LEFT + right) / 2, HEIGHT - 22, self.x_label, "middle"))
        out.append(_text(14, middle, self.y_label, "middle", f"rotate(-90 14 {middle})"))
        return out  # fmt: skip

    def _render_legend(self) -> list[str]:
        """One or two rows between the title and the plot area."""
        out: list[str] = []
        x, y = float(LEFT), 34.0
        for label, color in self.legend[:8]:
            advance = 24 + 6.2 * len(label)
            if x + advance > WIDTH - RIGHT and x > LEFT:
                x, y = float(LEFT), y + 14
            out.append(
                f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{escape(color)}"/>'
            )
            out.append(_text(x + 14, y, label, "start"))
            x += advance
        return out  # fmt: skip

    def _render_notes(self) -> list[str]:
        return [
            _text(LEFT, HEIGHT - 6 - 12 * i, note, "start")
            for i, note in enumerate(reversed(self.notes[:2]))
        ]


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{escape(color)}"/>'
    )


def _text(x: float, y: float, text: str, anchor: str, transform: str = "") -> str:
    turn = f' transform="{escape(transform)}"' if transform else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{turn}>{escape(text)}</text>'
