"""A function on a grid drawn as a picture: filled contour bands as a PNG, for a layout image.

The descent path's loss landscape is drawn this way rather than as a plotly contour trace:
a picture under the axes stays put while the browser moves the path's markers from state
to state (``Plotly.animate`` without a redraw, 20 ms a frame), where a contour trace
forces a full redraw of the plot at every step (70 ms). The picture is what plotly's
filled contour shows: ``levels`` equal bands of the values, each a shade of grey (lighter
is lower), with a thin line where two bands meet.

Example::

    z = np.add.outer(np.linspace(-1, 1, 50) ** 2, np.linspace(-1, 1, 50) ** 2)
    layout["images"] = [dict(source=contour_png(z), xref="x", yref="y", x=-1, y=1,
                             sizex=2, sizey=2, sizing="stretch", layer="below")]
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

OPACITY = 0.45  # of the fill over the plot's background (light or dark theme)
LINE = (80, 0.5)  # grey and opacity of the line between two bands


def contour_png(z: np.ndarray, *, levels: int = 18, width: int = 640,
                height: int = 400) -> str:
    """``z`` (rows of increasing y, columns of increasing x) as filled contour bands, a
    ``data:image/png`` URI of ``width`` x ``height`` pixels whose top row is the grid's
    last row. Values are interpolated between grid points (bilinear); non-finite values
    are drawn as the highest band."""
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 2:
        raise ValueError(f"z must be a grid of at least 2 x 2 values; got shape {z.shape}")
    finite = np.isfinite(z)
    top = float(z[finite].max()) if finite.any() else 0.0
    z = np.where(finite, z, top)
    low, span = float(z.min()), top - float(z.min())
    fine = _bilinear(z, height, width)[::-1]  # a picture's first row is its top
    band = np.zeros(fine.shape, dtype=np.intp) if span <= 0 else \
        np.minimum(((fine - low) * (levels / span)).astype(np.intp), levels - 1)
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    pixels = np.take(_shades(levels).reshape(-1, 2), 2 * band + edge, axis=0)
    return "data:image/png;base64," + base64.b64encode(_png(pixels)).decode()


def _shades(levels: int) -> np.ndarray:
    """``(levels, 2, 2)`` grey and alpha of each band, inside it and on its edge: the line
    over the fill as plotly draws one, alpha-composited."""
    grey = 255 * (1 - np.arange(levels) / max(levels - 1, 1))
    line_grey, line_alpha = LINE
    alpha = line_alpha + OPACITY * (1 - line_alpha)
    edge_grey = (line_grey * line_alpha + grey * OPACITY * (1 - line_alpha)) / alpha
    shades = np.empty((levels, 2, 2))
    shades[:, 0] = np.stack([grey, np.full(levels, 255 * OPACITY)], axis=-1)
    shades[:, 1] = np.stack([edge_grey, np.full(levels, 255 * alpha)], axis=-1)
    return shades.round().astype(np.uint8)


def _bilinear(z: np.ndarray, height: int, width: int) -> np.ndarray:
    """``z`` sampled at the centres of a ``height`` x ``width`` grid of pixels spanning it
    (float32: a picture needs no more)."""
    z = z.astype(np.float32)
    c, fc = _between(z.shape[1], width)
    wide = z[:, c] * (1 - fc) + z[:, c + 1] * fc
    r, fr = _between(z.shape[0], height)
    return wide[r] * (1 - fr)[:, None] + wide[r + 1] * fr[:, None]


def _between(points: int, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``pixels`` pixel centres over ``points`` grid points: the grid point at
    or before it and how far on towards the next (0..1)."""
    at = np.clip((np.arange(pixels) + 0.5) / pixels * (points - 1), 0, points - 1)
    before = np.minimum(at.astype(np.intp), points - 2)
    return before, (at - before).astype(np.float32)


def _png(pixels: np.ndarray) -> bytes:
    """An 8-bit grey-and-alpha PNG of ``pixels`` (height, width, 2)."""
    height, width, _ = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 4, 0, 0, 0)  # grey + alpha, 8 bits
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))
