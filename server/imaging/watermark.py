"""Burn the viewer's identity into a rendered image: faint, tiled, rotated text (Pillow).

Server-rendered images (``/rendered``, ``/thumbnail``) leave the browser as files: once saved
or forwarded, only what is in their pixels says who fetched them. ``burn`` draws the holder's
name, role, identity and the UTC minute over the whole image, light text with a dark outline
so it shows on black and on bone alike, at a strength that keeps the anatomy readable.

Thumbnails are scaled before the text is drawn, so the text keeps a legible size at any scale.
Glyphs come from the first font found in ``FONT_CANDIDATES`` (a CJK font first: Chinese names);
without any, Pillow's built-in font still marks the pixels.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
ALPHA = 0.30  # opacity of the text and its outline
ANGLE = 30.0  # degrees, counter-clockwise
MIN_FONT_PX = 8


@dataclass(frozen=True, slots=True)
class Mark:
    """The lines a marked image carries (also part of its cache key)."""

    lines: tuple[str, ...]


def mark_for(name: str, role: str, identity: str, now: float | None = None) -> Mark:
    """Who and when: ``name · role`` and ``identity · YYYY-MM-DD HH:MM UTC``."""
    minute = time.strftime("%Y-%m-%d %H:%M", time.gmtime(time.time() if now is None else now))
    who = f"{name.strip()} · {role}" if name.strip() else role
    return Mark((who, f"{identity} · {minute} UTC"))


def burn(pixels: np.ndarray, mark: Mark, size: int | None = None) -> np.ndarray:
    """``pixels`` (grey or RGB uint8), scaled so its longest side is at most ``size``, with
    ``mark`` tiled over it; the same shape kind (grey stays grey)."""
    image = Image.fromarray(pixels)
    if size is not None and max(image.size) > size:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    layer = _tiled_layer(image.size, mark)
    marked = Image.alpha_composite(image.convert("RGBA"), layer)
    return np.asarray(marked.convert(image.mode))


def _tiled_layer(size: tuple[int, int], mark: Mark) -> Image.Image:
    """A transparent layer of ``size`` with the rotated mark pasted on a staggered grid."""
    width, height = size
    tile = _tile(mark, max(MIN_FONT_PX, round(min(width, height) / 24)))
    step_x, step_y = tile.width + tile.width // 4, tile.height + tile.height // 4
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    for row, y in enumerate(range(-step_y // 2, height, step_y)):
        for x in range(-(row % 2) * step_x // 2, width, step_x):
            layer.alpha_composite(tile, (max(x, 0), max(y, 0)), (max(-x, 0), max(-y, 0)))
    return layer


def _tile(mark: Mark, px: int) -> Image.Image:
    """The mark's lines once, light with a dark outline, rotated by ``ANGLE``."""
    font = _font(px)
    text = "\n".join(mark.lines)
    outline = max(1, px // 12)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = (
        math.ceil(v)
        for v in probe.multiline_textbbox((0, 0), text, font=font, stroke_width=outline)
    )
    tile = Image.new("RGBA", (right - left + 2, bottom - top + 2), (0, 0, 0, 0))
    alpha = round(255 * ALPHA)
    ImageDraw.Draw(tile).multiline_text(
        (1 - left, 1 - top),
        text,
        font=font,
        fill=(255, 255, 255, alpha),
        stroke_width=outline,
        stroke_fill=(0, 0, 0, alpha),
    )
    return tile.rotate(ANGLE, resample=Image.Resampling.BICUBIC, expand=True)


@functools.lru_cache(maxsize=16)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, px)
    return ImageFont.load_default(px)
