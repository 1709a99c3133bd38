"""The landscape picture (``lossviz.figures.raster.contour_png``): a valid PNG whose bands
follow the values (lighter is lower), the grid's last row at the top, lines between bands."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import pytest

from lossviz.figures.raster import LINE, OPACITY, contour_png

PREFIX = "data:image/png;base64,"


def _decode(uri: str) -> np.ndarray:
    """The (height, width, 2) grey-and-alpha pixels of the PNG in ``uri``, read by the
    PNG specification's rules (chunks with their CRCs, zlib, one filter byte a row)."""
    assert uri.startswith(PREFIX)
    png = base64.b64decode(uri[len(PREFIX):])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(png):
        (size,) = struct.unpack(">I", png[at:at + 4])
        kind, body = png[at + 4:at + 8], png[at + 8:at + 8 + size]
        (crc,) = struct.unpack(">I", png[at + 8 + size:at + 12 + size])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        at += 12 + size
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 4)  # 8-bit grey and alpha
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()  # filter "none" on every row
    return rows[:, 1:].reshape(height, width, 2)


def test_a_bowl_is_lighter_at_its_floor_and_its_top_row_is_the_grids_last():
    w = np.linspace(-1, 1, 41)
    b = np.linspace(0, 4, 41)
    z = np.add.outer((b - 3) ** 2, w ** 2)  # rows: b; columns: w; lowest at w=0, b=3
    px = _decode(contour_png(z, width=200, height=160))
    assert px.shape == (160, 200, 2)
    grey = px[..., 0].astype(int)
    floor = grey[40, 100]  # b = 3 is a quarter of the way down from the top (b = 4)
    assert floor == 255  # the lowest band is white
    assert grey[40, 0] < floor
    assert grey[159, 100] < floor
    assert grey[0, 100] > grey[159, 100]  # b = 4 is nearer the floor than b = 0
    assert np.flatnonzero(grey[:, 100] == 255).mean() == pytest.approx(40, abs=1)
    # the fill's opacity everywhere but on the lines between bands
    alphas = set(np.unique(px[..., 1]).tolist())
    line = round(255 * (LINE[1] + OPACITY * (1 - LINE[1])))
    assert alphas == {round(255 * OPACITY), line}


def test_bands_and_the_lines_between_them():
    z = np.tile(np.linspace(0, 1, 10), (5, 1))  # rising to the right
    px = _decode(contour_png(z, levels=4, width=400, height=20))
    row = px[10]
    fill = row[row[:, 1] == round(255 * OPACITY), 0]
    assert sorted(set(fill.tolist()), reverse=True) == [255, 170, 85, 0]  # four bands
    assert (np.diff(fill.astype(int)) <= 0).all()  # never lighter further up the slope
    lines = np.flatnonzero(row[:, 1] != round(255 * OPACITY))
    assert len(lines) == 3
    assert (px[:, lines, 1] == px[0, lines, 1]).all()
    assert lines.tolist() == pytest.approx([100, 200, 300], abs=2)


def test_non_finite_values_are_the_highest_band_and_a_flat_grid_is_one_band():
    z = np.array([[0.0, 1.0, 2.0], [1.0, np.inf, np.nan], [0.5, 1.5, 2.0]])
    highest = np.where(np.isfinite(z), z, 2.0)
    assert contour_png(z, width=30, height=30) == contour_png(highest, width=30, height=30)
    flat = _decode(contour_png(np.ones((3, 3)), width=6, height=4))
    assert (flat[..., 0] == 255).all()
    assert (flat[..., 1] == round(255 * OPACITY)).all()


@pytest.mark.parametrize("z", [np.ones(5), np.ones((1, 5)), np.ones((2, 2, 2))])
def test_a_grid_needs_two_rows_and_two_columns(z):
    with pytest.raises(ValueError, match="at least 2 x 2"):
        contour_png(z)


def test_the_same_grid_gives_the_same_picture():
    z = np.random.default_rng(0).random((20, 30))
    assert contour_png(z) == contour_png(z.copy())
