"""The difference between two article versions, line by line (difflib), as rows a template escapes.

Nothing here builds HTML: each row is (op, text) with op one of "equal", "delete", "insert", and the
template prints the text through Django's autoescaping, so an article holding <script> shows it as text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import ArticleVersion


@dataclass(frozen=True)
class DiffRow:
    op: str
    text: str


def version_lines(version: ArticleVersion) -> list[str]:
    """A version as labelled lines: what a reader compares, in the order the article shows it."""
    lines = [
        f"{_('Title')}: {version.title}",
        f"{_('Visibility')}: {version.get_visibility_display()}",
        f"{_('Category')}: {version.category_path or '—'}",
        f"{_('Tags')}: {', '.join(version.tags) or '—'}",
        f"{_('Product models')}: {', '.join(version.product_models) or '—'}",
        "",
        f"[{_('Scenario')}]",
    ]
    lines += version.scenario.splitlines()
    lines += ["", f"[{_('Steps')}]"]
    for index, step in enumerate(version.steps, start=1):
        text = step.get("text", "").splitlines() or [""]
        image = f" [{_('image')} #{step['image_id']}]" if step.get("image_id") else ""
        lines.append(f"{index}. {text[0]}{image}")
        lines += [f"   {more}" for more in text[1:]]
    lines += ["", f"[{_('Notes')}]"]
    lines += version.notes.splitlines()
    return lines


def version_diff(old: ArticleVersion, new: ArticleVersion) -> list[DiffRow]:
    a, b = version_lines(old), version_lines(new)
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [DiffRow("equal", line) for line in a[i1:i2]]
            continue
        rows += [DiffRow("delete", line) for line in a[i1:i2]]
        rows += [DiffRow("insert", line) for line in b[j1:j2]]
    return rows
