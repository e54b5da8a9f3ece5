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
