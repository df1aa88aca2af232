"""Trees kept as rows with a `parent` (ticket categories, root causes, knowledge categories)."""

from __future__ import annotations

from collections.abc import Callable


def tree_path(node, label: Callable = lambda n: n.name, separator: str = " / ") -> str:
    """The names from the root down to `node` ("硬件类 / 电源模块"); a loop in bad data ends the walk."""
    names, seen = [], set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names.append(label(node))
        node = node.parent
    return separator.join(reversed(names))
