"""The hand-drawn SVG charts: round ticks, thinning, escaping, well-formed output."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from zkpov.sim.svg import Chart, Scale, compute_ticks, escape, format_number, thin


def test_ticks_are_round_and_inside_the_range() -> None:
    assert compute_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert compute_ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    assert compute_ticks(-0.5, 15.5) == [0, 5, 10, 15]
    assert compute_ticks(3, 3) == [3] and compute_ticks(0, float("inf")) == [0]
    assert [format_number(v) for v in (5.0, 0.25, 1234567.0)] == ["5", "0.25", "1234567"]


def test_thin_keeps_the_ends_and_the_limit() -> None:
    points = [(float(i), float(i)) for i in range(10_001)]
    kept = thin(points, 100)
    assert len(kept) == 100 and kept[0] == points[0] and kept[-1] == points[-1]
    assert thin(points[:5], 100) == points[:5]


def test_scale_maps_the_range_onto_pixels() -> None:
    scale = Scale(0.0, 10.0, 100.0, 200.0)
    assert (scale.at(0.0), scale.at(5.0), scale.at(10.0)) == (100.0, 150.0, 200.0)
    assert Scale(1.0, 1.0, 0.0, 10.0).at(1.0) == 0.0  # an empty range does not divide by zero


def test_every_text_is_escaped_and_the_svg_parses() -> None:
    hostile = '</text><script>x</script>"&'
    chart = Chart(hostile, hostile, hostile, (0.0, 10.0), (0.0, 1.0))
    chart.add_line([(0.0, 0.0), (5.0, 0.5), (10.0, 1.0)], '"red', hostile, step=True)
    chart.add_band(1.0, 2.0, "#f00", hostile)
    chart.notes.append(hostile)
    svg = chart.render()
    assert "<script" not in svg and escape(hostile) in svg
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count(hostile) == 6  # heading, two axis labels, two legend entries, a note
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 1
