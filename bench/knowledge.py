"""Knowledge-base suggestion benchmark: article_search (KB-4) at a few article counts, printed as JSON lines.

Articles are few (hundreds to a few thousand), so a suggestion is a normalised LIKE per term, scored in Python
(knowledge/selectors.py). This measures whether that stays well inside a typing pause (the portal asks at
most once per 400 ms pause): p50 / p95 of article_search for a customer and for staff, for a short code, a
two-character word and a customer's whole sentence, at each size.

Usage:
  .venv/bin/python bench/knowledge.py                       # SQLite in a temporary data directory
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_kb_bench .venv/bin/python bench/knowledge.py
  options: --sizes 500,5000  --queries 200
Every loop is bounded; nothing but the database is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "电源",
    "指示灯",
    "不亮",
    "开机",
    "黑屏",
    "报错",
    "固件",
    "升级",
    "导出",
    "变慢",
    "网络",
    "断开",
    "风扇",
    "噪音",
    "打印",
    "卡纸",
    "传感器",
    "校准",
    "温度",
    "过高",
    "主板",
    "更换",
    "重启",
    "配置",
    "丢失",
    "license",
    "备份",
]
CODES = ["E101", "E203", "E500", "0x80070005", "PWR-01", "X-3000", "ERR-42"]
QUERIES = {"code": "E101", "two_chars": "电源",
           "sentence": "我们的设备今天早上电源指示灯一直不亮，重启以后还是黑屏，屏幕上提示 E101"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,5000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("SERVICELOOP_DATA_DIR", tempfile.mkdtemp(prefix="sl-kb-bench-"))
    os.environ.update(env)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from serviceloop.accounts.roles import Role
    from serviceloop.accounts.services import user_create
    from serviceloop.customers.models import Organization
    from serviceloop.knowledge.models import Article
    from serviceloop.knowledge.searchtext import normalise
    from serviceloop.knowledge.selectors import article_search

    org = Organization.objects.create(name=f"基准客户 {time.time_ns()}")
    suffix = time.time_ns()
    customer = user_create(
        username=f"kb-bench-c-{suffix}", password="x" * 20, role=Role.CUSTOMER, organization=org
    )
    staff = user_create(username=f"kb-bench-s-{suffix}", password="x" * 20, role=Role.AGENT)
    rng = random.Random(14)
    have = 0
    for size in [int(s) for s in args.sizes.split(",") if s]:
        batch = []
        for i in range(have, size):
            title = f"{rng.choice(CODES)} {''.join(rng.sample(WORDS, 3))}的处理 {i}"
            body = "，".join(rng.sample(WORDS, 8)) + "。" + " ".join(rng.sample(CODES, 2))
            batch.append(
                Article(
                    title=title,
                    scenario=body,
                    steps=[{"text": body, "image_id": None}],
                    visibility="public" if i % 3 else "internal",
                    status="published",
                    author=staff,
                    search_title=normalise(title),
                    search_text=normalise(f"{title}\n{body}\n{body}"),
                )
            )
        Article.objects.bulk_create(batch, batch_size=1000)
        have = size
        for who, user in (("customer", customer), ("staff", staff)):
            for name, q in QUERIES.items():
                times = []
                for _ in range(args.queries):
                    start = time.perf_counter()
                    found = article_search(user, q, limit=5)
                    times.append((time.perf_counter() - start) * 1000)
                print(
                    json.dumps(
                        {
                            "articles": size,
                            "who": who,
                            "query": name,
                            "found": len(found),
                            "p50_ms": round(percentile(times, 50), 2),
                            "p95_ms": round(percentile(times, 95), 2),
                            "database": django.db.connection.vendor,
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
