"""A picture of a board as SVG: inline in the newsletter's HTML and in its PDF, no image files."""

from markupsafe import Markup, escape

from ..rc import DIMENSIONS

COLOURS = {"relationships": "#0b6e4f", "communication": "#3b4cc0"}
EMPTY = "#e9eef2"


def board_svg(board, width: int = 680) -> Markup:
    """The board's grid: a row per workgroup, a column per dimension, coloured where covered."""
    label_w, progress_w, row_h, head_h, gap = 190, 60, 26, 64, 3
    cell_w = (width - label_w - progress_w) / len(DIMENSIONS)
    height = head_h + row_h * max(len(board.workgroups), 1) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Bingo board" '
             'font-family="DejaVu Sans, Arial, sans-serif">']
    for i, dimension in enumerate(DIMENSIONS):
        x = label_w + i * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{head_h - 6}" font-size="10" fill="{COLOURS[dimension.family]}" '
                     f'transform="rotate(-35 {x:.1f} {head_h - 6})">{escape(dimension.card_label)}</text>')
    for row, workgroup in enumerate(board.ranked):
        y = head_h + row * row_h
        parts.append(f'<text x="0" y="{y + row_h * 0.68:.1f}" font-size="11" fill="#1b2430">'
                     f'{escape(workgroup.name)}</text>')
        for i, dimension in enumerate(DIMENSIONS):
            fill = COLOURS[dimension.family] if board.covered(workgroup.id, dimension.key) else EMPTY
            parts.append(f'<rect x="{label_w + i * cell_w + gap / 2:.1f}" y="{y + gap / 2:.1f}" '
                         f'width="{cell_w - gap:.1f}" height="{row_h - gap}" rx="4" fill="{fill}"/>')
        parts.append(f'<text x="{width - 4}" y="{y + row_h * 0.68:.1f}" font-size="11" text-anchor="end" '
                     f'font-weight="bold" fill="#1b2430">{board.progress.get(workgroup.id, 0)} / 7</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
