"""Mail benchmark, inbound half (issue 12): 1,000 mixed messages through a real IMAP server.

  A throwaway Dovecot on a loopback port (tests/dovecot.py) gets 100 first messages (100 tickets to
  answer), fetched unmeasured; then 1,000 more are APPENDed: 10 % with attachments up to 10 MB,
  10 % auto-replies, 30 % replies to the existing tickets (In-Reply-To, or the number in the subject),
  the rest new problems; a third in GBK, the rest UTF-8; known contacts and unknown senders.
  `serviceloop fetchmail` — the same code the worker runs every minute — then processes them in a
  process of its own: messages per second and that process's peak RSS (target < 300 MB).

Usage:
  .venv/bin/python bench/mail.py                                  # SQLite in /tmp/sl-bench-mail-sqlite
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench_mail .venv/bin/python bench/mail.py
  options: --messages 1000  --data-dir DIR  --max-seconds 1800

Needs Dovecot (apt-get install dovecot-imapd) and root (Dovecot runs its mail processes as nobody).
Only 127.0.0.1 is contacted; every loop is bounded in count, the processing in time (--max-seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from figures import emit  # noqa: E402 - this folder is first on sys.path when run

from serviceloop.channels.tests import mails  # noqa: E402 - real MIME bytes, the tests' own builders
from tests.dovecot import Dovecot, unavailable_reason  # noqa: E402

PY = sys.executable
FOLDER = "INBOX"
KNOWN = [(f"客户联系人{i}", f"contact{i}@customer{i % 10}.cn") for i in range(50)]


def manage(env: dict, *args: str) -> str:
    """A management command's output; for `shell -c`, the last line (the JSON the snippet prints)."""
    lines = subprocess.run([PY, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()
    return lines[-1] if lines else ""


def fetchmail(env: dict, max_seconds: float) -> tuple[float, float, str]:
    """Run `fetchmail` as its own process; (seconds, peak RSS in MB, its output).

    The peak is the process's VmHWM, read every 50 ms while it runs (it only grows). Not wait4's
    ru_maxrss: Linux carries the parent's high-water mark into a child across fork + exec, so it would
    report this script's own memory (the 500 MB of messages it built): 685 MB, whatever fetchmail did.
    """
    started = time.perf_counter()
    # BENCH_PROFILE=FILE: the measured run under cProfile (slower), its statistics written to FILE.
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    process = subprocess.Popen(
        [PY, *profile, str(ROOT / "manage.py"), "fetchmail", "--seconds", str(max_seconds)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = [0]

    def sample():
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            with contextlib.suppress(OSError, AttributeError):
                peak[0] = max(peak[0], int(re.search(r"VmHWM:\s+(\d+)", status.read_text()).group(1)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read()
    process.wait()
    sampler.join(5)
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"fetchmail failed ({process.returncode}):\n{output}")
    return elapsed, peak[0] / 1024, output


def sender(rng: random.Random, *, gbk: bool) -> tuple[bytes, str]:
    if rng.random() < 0.8:
        name, address = rng.choice(KNOWN)
    else:
        name, address = f"新客户{rng.randrange(200)}", f"new{rng.randrange(200)}@prospect.cn"
    word = mails.b_word(name) if gbk else mails.b_word(name, "utf-8", "utf-8")
    return word + f" <{address}>".encode(), address


def problem(rng: random.Random, i: int, *, gbk: bool, mid: str | None = None,
            known: tuple[str, str] | None = None) -> bytes:
    if known is not None:
        name, address = known
        who = (mails.b_word(name) if gbk else mails.b_word(name, "utf-8", "utf-8")) + f" <{address}>".encode()
    else:
        who, _address = sender(rng, gbk=gbk)
    subject = f"设备 X-{3000 + i % 50} 故障 {i}"
    body = (f"您好：\r\n设备 X-{3000 + i % 50} 上电后无显示，错误代码 E{500 + i % 9}。\r\n"
            "已尝试重启，无效。\r\n\r\n发自我的iPhone")
    if gbk:
        return mails.gbk_mail(sender=who, subject=subject, body=body, mid=mid, encoding="base64")
    return (mails.headers(sender=who, subject=mails.b_word(subject, "utf-8", "utf-8"), mid=mid)
            + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + mails.b64_lines(body.encode("utf-8")))


def attachment_mail(rng: random.Random, i: int, *, gbk: bool) -> tuple[bytes, int]:
    """A problem report with 1–3 files, the largest up to 10 MB (PDF, PNG, ZIP, logs: types we accept)."""
    who, _address = sender(rng, gbk=gbk)
    files, total = [], 0
    for n in range(rng.randint(1, 3)):
        size = int(10 * 1024 * 1024 * rng.random() ** 2) if n == 0 else rng.randrange(20_000, 400_000)
        kind = rng.choice([("pdf", mails.PDF, "application/pdf"), ("png", mails.PNG, "image/png"),
                           ("zip", b"PK\x03\x04", "application/zip")])
        data = kind[1] + os.urandom(max(size - len(kind[1]), 16))
        files.append((f"现场资料{i}-{n}.{kind[0]}", data, kind[2]))
        total += len(data)
    return mails.with_attachments(files, subject=f"附件：设备日志 {i}", sender=who), total


def build(rng: random.Random, count: int, seeds: list[tuple[str, str]]) -> tuple[list[bytes], dict]:
    """The measured mix; `seeds` are (Message-ID, ticket number, contact address) of the tickets to answer."""
    kinds = (["attachments"] * 10 + ["auto_reply"] * 10 + ["reply"] * 30 + ["new"] * 50)
    plan = [kinds[i % 100] for i in range(count)]
    rng.shuffle(plan)
    messages, mix, attachment_bytes = [], {}, 0
    for i, kind in enumerate(plan):
        gbk = i % 3 == 0
        if kind == "attachments":
            raw, size = attachment_mail(rng, i, gbk=gbk)
            attachment_bytes += size
        elif kind == "auto_reply":
            raw = mails.auto_reply(rng.choice(["auto_submitted", "precedence", "x_autoreply", "subject"]),
                                   sender=rng.choice(KNOWN)[1], n=i)
        elif kind == "reply":
            mid, number, address = rng.choice(seeds)
            if i % 4 == 0:  # threaded by the number in the subject (by the ticket's own contact)
                raw = mails.gbk_mail(sender=f"<{address}>".encode(), subject=f"回复: [#{number}] 补充",
                                     body="补充：今天又出现了一次。")
            else:
                raw = mails.outlook_reply(
                    new_text=f"补充说明 {i}：重启后仍然不行。",
                    quoted_subject="设备故障",
                    in_reply_to=mid,
                    sender=f"<{address}>".encode(),
                )
        else:
            raw = problem(rng, i, gbk=gbk)
        mix[kind] = mix.get(kind, 0) + 1
        messages.append(raw)
    return messages, {"mix": mix, "gbk": sum(1 for i in range(count) if i % 3 == 0),
                      "attachment_mb": round(attachment_bytes / 1024 / 1024, 1)}


SETUP = """
from serviceloop.channels.models import CredentialSource, Mailbox, Security
from serviceloop.customers.models import Contact, Organization
known = {known!r}
for i, (name, address) in enumerate(known):
    org, _ = Organization.objects.get_or_create(name=f"华东客户{{i % 10}}有限公司")
    Contact.objects.get_or_create(email=address, defaults={{"organization": org, "name": name}})
Mailbox.objects.update_or_create(name="bench", defaults=dict(
    address="support@bench.example.cn", host="127.0.0.1", port={port}, security=Security.PLAIN,
    username={user!r}, folder={folder!r}, credential_source=CredentialSource.ENV,
    password_env="BENCH_IMAP_PASSWORD"))
"""

REPORT = """
import json
from django.db.models import Count
from serviceloop.channels.models import InboundMessage
from serviceloop.tickets.models import Attachment, Ticket, TicketEvent
print(json.dumps({
    "statuses": dict(InboundMessage.objects.values_list("status").annotate(n=Count("id"))),
    "loop_reasons": dict(InboundMessage.objects.exclude(loop_reason="").values_list("loop_reason")
                         .annotate(n=Count("id"))),
    "tickets": Ticket.objects.count(),
    "customer_replies": TicketEvent.objects.filter(kind="customer_reply").count(),
    "attachments": Attachment.objects.count(),
    "failed_errors": list(InboundMessage.objects.filter(status="failed").values_list("error", flat=True)[:3]),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-seconds", type=float, default=1800)
    args = parser.parse_args()
    reason = unavailable_reason()
    if reason:
        raise SystemExit(reason)

    database = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    data_dir = Path(args.data_dir or f"/tmp/sl-bench-mail-{database}")
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    server = Dovecot().start()
    env = {**os.environ, "SERVICELOOP_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
           "BENCH_IMAP_PASSWORD": server.password, "JOBS_IMMEDIATE": "1", "EMAIL_FETCH_BATCH": "100",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    try:
        manage(env, "migrate", "--verbosity", "0")
        if database == "postgresql":
            manage(env, "flush", "--no-input")
        manage(
            env, "shell", "-c", SETUP.format(known=KNOWN, port=server.port, user=server.user, folder=FOLDER)
        )
        rng = random.Random(12)
        seed_ids = [mails.message_id("bench.customer.cn") for _ in range(args.seeds)]
        server.append(FOLDER, *[problem(rng, 10_000 + i, gbk=i % 3 == 0, mid=mid, known=KNOWN[i % len(KNOWN)])
                                for i, mid in enumerate(seed_ids)])
        fetchmail(env, args.max_seconds)
        numbers = json.loads(
            manage(
                env,
                "shell",
                "-c",
                (
                    "import json\nfrom serviceloop.channels.models import InboundMessage\n"
                    f"ids = {[m.strip('<>') for m in seed_ids]!r}\n"
                    "rows = InboundMessage.objects.filter(message_id__in=ids).select_related('ticket')\n"
                    "print(json.dumps({r.message_id: [r.ticket.number, r.from_address]"
                    " for r in rows if r.ticket_id}))"
                ),
            )
        )
        seeds = [(f"<{mid}>", number, address) for mid, (number, address) in numbers.items()]

        messages, shape = build(rng, args.messages, seeds)
        started = time.perf_counter()
        for i in range(0, len(messages), 50):
            server.append(FOLDER, *messages[i:i + 50])
        append_s = time.perf_counter() - started
        raw_mb = sum(len(m) for m in messages) / 1024 / 1024

        elapsed, peak_mb, output = fetchmail(env, args.max_seconds)
        report = json.loads(manage(env, "shell", "-c", REPORT))
        emit(database=database, messages=len(messages), raw_mb=round(raw_mb, 1), **shape,
             append_s=round(append_s, 1), fetch_s=round(elapsed, 1),
             messages_per_s=round(len(messages) / elapsed, 1), peak_rss_mb=round(peak_mb, 1),
             fetchmail=output.strip().splitlines()[-1:], **report)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
