"""A picture of a board as a PNG, embedded in the newsletter as a `data:` URI.

Email programs drop inline SVG, and many never fetch a picture from an address (or the app sits on a hospital's
own network, out of the readers' reach), so the issue carries its pictures in itself: the exported HTML file, the
email it is pasted into and the PDF all show the same PNG. Drawn twice the size it is shown at, so it stays sharp on
a phone's screen and on paper; its text is large enough to read at a phone's width. The page gives the same board
in words too (the picture's alt text and a table), for screen readers and for the email programs that show no
picture at all.
"""

import base64
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..i18n import translated
from ..rc import DIMENSIONS, FAMILIES, dimensions_of

WIDTH = 480  # as shown, in CSS pixels: fits a phone's column and an email's
SCALE = 2  # drawn at twice that
COLOURS = {"relationships": (11, 110, 79), "communication": (59, 76, 192)}
INK, EMPTY, EDGE, WHITE = (27, 36, 48), (233, 238, 242), (150, 164, 178), (255, 255, 255)
GAP, SQUARE_H, NAME_H, ROW_GAP, FAMILY_H = 6, 40, 32, 12, 26
FONT_FILES = {False: ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
              True: ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")}


@lru_cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (WeasyPrint's fonts) where the system has it, else Pillow's own font."""
    for name in FONT_FILES[bold]:
        if Path(name).is_absolute() and not Path(name).exists():
            continue
        try:
            return ImageFont.truetype(name, size * SCALE)
        except OSError:
            continue
    return ImageFont.load_default(size * SCALE)


def _fitted(draw: ImageDraw.ImageDraw, text: str, face, room: float) -> str:
    """The text, cut with an ellipsis where it would run wider than `room`."""
    if draw.textlength(text, font=face) <= room:
        return text
    while text and draw.textlength(text + "…", font=face) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def board_png(board) -> bytes:
    """The board's grid: the seven dimensions' names standing above their columns, then for each workgroup (most
    squares first) its name and progress, and its seven squares, coloured where covered and ticked."""
    rows = tuple((w.name, board.progress.get(w.id, 0), tuple(board.covered(w.id, d.key) for d in DIMENSIONS))
                 for w in board.ranked)
    return _drawn(rows, tuple(translated(d.card_label) for d in DIMENSIONS),
                  tuple(translated(f.label) for f in FAMILIES))


@lru_cache(maxsize=64)  # a preview opened again, the PDF after the preview: drawn once (a tenth of a second or so)
def _drawn(rows: tuple, labels: tuple[str, ...], families: tuple[str, ...]) -> bytes:
    cell = (WIDTH - 1 - GAP * (len(DIMENSIONS) - 1)) / len(DIMENSIONS)  # (the last square's edge in the picture)
    label_font, family_font, name_font = font(17), font(15, bold=True), font(20, bold=True)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    head = FAMILY_H + max(measure.textlength(label, font=label_font) for label in labels) / SCALE + 10
    height = round(head + max(len(rows), 1) * (NAME_H + SQUARE_H + ROW_GAP))
    image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), WHITE)
    draw = ImageDraw.Draw(image)

    def x_of(column: int) -> float:
        return column * (cell + GAP)

    column = 0
    for family, family_label in zip(FAMILIES, families, strict=True):
        members = dimensions_of(family)
        left, right = x_of(column), x_of(column + len(members)) - GAP
        draw.rectangle([left * SCALE, (FAMILY_H - 5) * SCALE, right * SCALE, (FAMILY_H - 3) * SCALE],
                       fill=COLOURS[family.key])
        draw.text((left * SCALE, 1 * SCALE), _fitted(draw, family_label, family_font,
                                                      (right - left) * SCALE),
                  font=family_font, fill=COLOURS[family.key])
        column += len(members)
    for column, (dimension, label) in enumerate(zip(DIMENSIONS, labels, strict=True)):
        box = measure.textbbox((0, 0), label, font=label_font)
        text = Image.new("RGBA", (box[2] + 2, (box[3] + 4)), (0, 0, 0, 0))
        ImageDraw.Draw(text).text((0, 0), label, font=label_font, fill=COLOURS[dimension.family])
        text = text.rotate(90, expand=True)  # reads upwards, ending just above its column
        x = (x_of(column) + cell / 2) * SCALE - text.width / 2
        image.paste(text, (round(x), round((head - 6) * SCALE - text.height)), text)
    tick = font(22, bold=True)
    for row, (name, progress, covered) in enumerate(rows):
        top = head + row * (NAME_H + SQUARE_H + ROW_GAP)
        progress = f"{progress} / 7"
        width = draw.textlength(progress, font=name_font)
        draw.text((WIDTH * SCALE - width, (top + 4) * SCALE), progress, font=name_font, fill=INK)
        draw.text((0, (top + 4) * SCALE), _fitted(draw, name, name_font, WIDTH * SCALE - width - 16 * SCALE),
                  font=name_font, fill=INK)
        y = top + NAME_H
        for column, dimension in enumerate(DIMENSIONS):
            box = [x_of(column) * SCALE, y * SCALE, (x_of(column) + cell) * SCALE, (y + SQUARE_H) * SCALE]
            if covered[column]:
                draw.rounded_rectangle(box, radius=5 * SCALE, fill=COLOURS[dimension.family])
                draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), "✓", font=tick, fill=WHITE, anchor="mm")
            else:
                draw.rounded_rectangle(box, radius=5 * SCALE, fill=EMPTY, outline=EDGE, width=SCALE)
    out = io.BytesIO()
    image.quantize(32, method=Image.Quantize.FASTOCTREE).save(out, "PNG")  # (a tenth of optimize=True's time)
    return out.getvalue()


def data_uri(board) -> str:
    """The board's picture as a `data:` URI, for an <img> the issue carries in itself."""
    return "data:image/png;base64," + base64.b64encode(board_png(board)).decode("ascii")
