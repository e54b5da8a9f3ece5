"""Curves for docs/performance.md: an SVG written with matplotlib (`make bench` installs it)."""

from __future__ import annotations

from pathlib import Path


def lines(path: str, title: str, xlabel: str, ylabel: str,
          series: dict[str, list[tuple[float, float]]], logy: bool = False) -> None:
    """One line per series of (x, y) points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.2))
    for label, points in series.items():
        axes.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3,
                  label=label)
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        axes.set_yscale("log")
    axes.set_ylim(bottom=0 if not logy else None)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Date": None})  # no timestamp: the file changes only with data
    plt.close(figure)
    print(f"wrote {path}")


COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def svg_lines(path: str, title: str, xlabel: str, ylabel: str,
              series: dict[str, list[tuple[float, float]]]) -> None:
    """The same kind of chart as `lines`, written by hand (no matplotlib needed): a polyline
    per series on linear axes from 0, a legend on the right."""
    from html import escape

    points = [p for values in series.values() for p in values]
    if not points:
        return
    width, height, left, top, plot_w, plot_h = 900, 420, 60, 30, 560, 340
    top_x = max(x for x, _ in points) or 1
    top_y = max(y for _, y in points) * 1.1 or 1

    def at(x: float, y: float) -> str:
        return f"{left + x / top_x * plot_w:.1f},{top + plot_h - y / top_y * plot_h:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="18" font-size="13">{escape(title)}</text>',
             f'<polyline fill="none" stroke="black" points="{at(0, top_y)} {at(0, 0)} '
             f'{at(top_x, 0)}"/>',
             f'<text x="{left + plot_w / 2}" y="{height - 8}">{escape(xlabel)}</text>',
             f'<text x="4" y="{top + plot_h / 2}">{escape(ylabel)}</text>']
    for k in range(5):
        x, y = top_x * k / 4, top_y * k / 4
        parts.append(f'<text x="{left + plot_w * k / 4 - 8:.0f}" y="{top + plot_h + 14}">'
                     f'{x:.3g}</text>')
        parts.append(f'<text x="{left - 40}" y="{top + plot_h - plot_h * k / 4 + 4:.0f}">'
                     f'{y:.3g}</text>')
    for index, (label, values) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        line = " ".join(at(x, y) for x, y in values)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{line}"/>')
        y = top + 12 + index * 15
        parts.append(f'<rect x="{left + plot_w + 15}" y="{y - 8}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{left + plot_w + 30}" y="{y + 1}">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(parts) + "\n")
    print(f"wrote {path}")
