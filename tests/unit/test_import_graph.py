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
