"""The accessibility check of the browser tests (issue #16, Tests): axe-core run in the page, no serious or
critical violation allowed.

axe-core is vendored for tests only (tests/browser/vendor/axe-core-4.14.1/, from the npm package, MPL-2.0,
unmodified). It is evaluated through Playwright rather than added as a <script>: the pages' Content-Security-
Policy allows no script that is not the site's own, and the check must not weaken it.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page, *, context: str | None = None) -> list[dict]:
    """axe's violations of WCAG 2.1 A/AA on the page (or within the CSS selector `context`)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (context) => {
            const result = await axe.run(context || document,
                {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
        }""",
        context,
    )


def assert_accessible(page, what: str, *, context: str | None = None) -> None:
    serious = [v for v in axe_violations(page, context=context) if v["impact"] in SERIOUS]
    assert not serious, f"{what}: accessibility violations\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} — {', '.join(v['nodes'])}" for v in serious)
