"""bot/ imports without a cycle at module level (scripts/import_graph.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "import_graph", Path(__file__).resolve().parents[2] / "scripts" / "import_graph.py")
assert _spec is not None and _spec.loader is not None
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)


def test_bot_has_no_import_cycle() -> None:
    edges = import_graph.graph()
    assert "bot.handoff.machine" in edges and "bot.store.redis.conversations" in edges
    assert import_graph.cycle(edges) is None


def test_a_cycle_is_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert import_graph.cycle(edges) == ["a", "b", "c", "a"]


def classes_longer_than(most: int) -> list[str]:
    """bot/'s classes of more than `most` lines, as `path:Class (lines)`."""
    import ast

    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted((root / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > most:
                    found.append(f"{path.relative_to(root)}:{node.name} ({lines})")
    return found


def test_no_class_in_bot_is_over_250_lines() -> None:
    """A class a newcomer can read in one sitting: split by concept beyond that."""
    assert classes_longer_than(250) == []
    assert classes_longer_than(200)  # the measure sees the largest ones (it can fail)
