"""The import order of docs/architecture.md holds: each app imports only the apps below it (issue #10).

The contracts live in pyproject.toml ([tool.importlinter]); `.ci/run` runs `lint-imports` too. Here they
run inside the suite so that `make test` alone catches an import that breaks the order.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[test]')"
)
def test_every_app_imports_only_the_apps_below_it():
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_no_business_app():
    business = (
        "accounts",
        "customers",
        "assets",
        "tickets",
        "sla",
        "notifications",
        "channels",
        "web",
        "server",
        "demo",
    )
    offenders = []
    for path in (ROOT / "serviceloop" / "core").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("from serviceloop.", "import serviceloop.")) and any(
                    stripped.split()[1].startswith(f"serviceloop.{app}") for app in business):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []



def test_no_two_api_schemas_share_a_name():
    """django-ninja names an OpenAPI component after its class: two schemas of one name become one
    component, and the API then documents one of them wrongly (found by the fuzzer: sla's and the
    knowledge base's VersionOut)."""
    from ninja import Schema

    import serviceloop.server.api  # noqa: F401 - imports every app's API module

    seen: dict[str, str] = {}
    todo = list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls.__module__.startswith("serviceloop.") or ".tests." in cls.__module__:
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        assert seen.setdefault(cls.__name__, where) == where, f"{where} and {seen[cls.__name__]}"
