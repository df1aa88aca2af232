"""What every benchmark script prints and computes the same way: one JSON line per figure, the percentile
rule, and a management command's output. Imported by the scripts run as `python bench/NAME.py` (this folder is
then first on sys.path); bench/api.py keeps its own copies because other tools import it as `bench.api`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def emit(**fields) -> None:
    """One figure as a JSON line (Chinese as it is; dates and decimals as text)."""
    print(json.dumps(fields, ensure_ascii=False, default=str), flush=True)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (p95 of 40 values is the 38th smallest); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


def manage(*args: str) -> str:
    """`manage.py ARGS` with this process's environment (its DATABASE_URL / data dir); its stdout."""
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, check=True,
                          capture_output=True, text=True, env=os.environ.copy()).stdout
