"""ServiceLoop settings: every value comes from the environment, in this one file.

Embedded mode (the default) needs nothing set: SQLite in the data directory, a secret key
generated once and kept beside it. Scaled mode sets DATABASE_URL (PostgreSQL) and, later,
REDIS_URL. Any variable ending in _FILE is read from that file instead (for secrets).
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read NAME from the environment, or the file named by NAME_FILE (Docker/K8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value else default


DATA_DIR = Path(env("SERVICELOOP_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret key from the environment, or one generated once and kept in the data directory.

    Keeping it on disk (mode 0600) means sessions and tokens survive restarts without the
    user ever having to think about it.
    """
    key = env("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Two processes may start at once on a fresh data directory (a server and its worker): each writes
        # a whole key to a file of its own and links it into place, which succeeds for one of them only, so
        # both read the same, complete key (never a half-written one, never two).
        mine = DATA_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
        try:
            os.link(mine, key_file)
        except FileExistsError:
            pass
        finally:
            mine.unlink()
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "serviceloop.core",
    "serviceloop.accounts",
    "serviceloop.customers",
    "serviceloop.assets",
    "serviceloop.tickets",
    "serviceloop.search",
    "serviceloop.sla",
    "serviceloop.channels",
    "serviceloop.surveys",
    "serviceloop.notifications",
    "serviceloop.analytics",
    "serviceloop.knowledge",
    "serviceloop.reports",
    "serviceloop.canned",
    "serviceloop.web",
    "serviceloop.server",
    "serviceloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours: they see every answer, error pages included (serviceloop/core/middleware.py).
    "serviceloop.core.middleware.ApiErrorsMiddleware",
    "serviceloop.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "serviceloop.core.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "serviceloop.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Server-side binding lets psycopg prepare the statements a worker repeats (every request runs
        # the same dozen), so PostgreSQL parses and plans each once per connection, not per request.
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool(
            "DB_SERVER_SIDE_BINDING", True
        )
    if env("TEST_DATABASE_NAME"):
        # Two test runs on one server (a developer and CI, say) each need their own test database.
        DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "serviceloop.sqlite3",
            # Kept open between requests, as on PostgreSQL: opening one ran the five pragmas below and
            # mapped the file again on every request (7 % of a ticket create's time in the web worker).
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers never
                # deadlock on a read-then-write lock upgrade; WAL lets readers go on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["serviceloop.accounts.backends.RoleBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-served/"  # attachments are served only through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Files above this size are spooled to disk while uploading, not kept in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "serviceloop.tickets.uploads.SizeLimitedUploadHandler",  # stops oversized uploads while they arrive
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# --- ServiceLoop --------------------------------------------------------------------------------
# NUM-2: one of the presets YYYYMM-NNN, YYYYMM-NNNN, FBYYYYMMDDNNN, YYYYMMDD-XNNN, or any pattern
# made of YYYY, YY, MM, DD, a run of N (the sequence) and literal text.
TICKET_NUMBER_PATTERN = env("TICKET_NUMBER_PATTERN", "YYYYMM-NNNN")
# INT-5: allowed attachment types (checked from content) and the size limit per file.
ATTACHMENT_ALLOWED_TYPES = [
    t.strip() for t in env("ATTACHMENT_ALLOWED_TYPES", "jpg,png,gif,pdf,txt,zip,mp4").split(",") if t.strip()
]
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 25)
# The address customers reach the service at, used in emails (no trailing slash).
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
API_MAX_PAGE_SIZE = 100
# Issue #9: every date and datetime a client or a form sends must fall in these years (inclusive),
# checked by serviceloop/core/bounds.py. Outside them an instant may not survive the round trip
# through the database (year 1 at +14:00 lies before year 1 in UTC and breaks every read of the row).
INPUT_YEAR_MIN = env_int("INPUT_YEAR_MIN", 1970)
INPUT_YEAR_MAX = env_int("INPUT_YEAR_MAX", 2100)
if not 1 < INPUT_YEAR_MIN <= INPUT_YEAR_MAX < 9999:
    raise ValueError("INPUT_YEAR_MIN and INPUT_YEAR_MAX must be years with 1 < MIN <= MAX < 9999.")

# --- Security ---------------------------------------------------------------------------------
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
# Failed logins per client address (REMOTE_ADDR) per window, whatever the usernames: beyond it the
# address is refused for the rest of the window before any password is checked, so one address can
# neither spray passwords over many users nor lock them all out (issue #9).
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_IP_WINDOW_MINUTES = env_int("LOGIN_IP_WINDOW_MINUTES", 15)
# Tracking a ticket without logging in (/track/): lookups per client address per window, and failed
# lookups per ticket number per window. Counted in the database, so every server process shares them.
# The ticket list's tab counts are kept this long per person and worker process (0: always counted).
LIST_COUNT_CACHE_SECONDS = env_int("LIST_COUNT_CACHE_SECONDS", 30)
# core/rows.py: the hot path's INSERTs and primary-key reads with their SQL composed once per model. Off,
# the ORM composes them on every call (the same rows; bench/api.py --compare-rows measures the difference).
COMPOSED_ROWS = env_bool("COMPOSED_ROWS", True)
# The most rows one export of a ticket list writes (reports/export.py); a longer list is cut there.
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 1_000_000)
# Periodic reports (reports/): their files under the data directory; a Chinese font to embed in the PDF
# (empty: the noto-cjk-sans-otc package's, else the system's, reports/fonts.py).
REPORTS_DIR = DATA_DIR / "reports"
REPORT_FONT = env("REPORT_FONT", "")
TRACK_MAX_PER_IP = env_int("TRACK_MAX_PER_IP", 10)
TRACK_WINDOW_MINUTES = env_int("TRACK_WINDOW_MINUTES", 10)
TRACK_MAX_FAILURES_PER_NUMBER = env_int("TRACK_MAX_FAILURES_PER_NUMBER", 5)
TRACK_NUMBER_WINDOW_MINUTES = env_int("TRACK_NUMBER_WINDOW_MINUTES", 60)

# CSAT-3: a resolved ticket nobody answers closes itself after CONFIRMATION_WORKING_DAYS working days on
# its business calendar; the customer is reminded once after CONFIRMATION_REMINDER_WORKING_DAYS (0: never;
# it must be fewer than the closing days). The signed link in the resolution message works this many days.
CONFIRMATION_WORKING_DAYS = env_int("CONFIRMATION_WORKING_DAYS", 3)
CONFIRMATION_REMINDER_WORKING_DAYS = env_int("CONFIRMATION_REMINDER_WORKING_DAYS", 2)
CONFIRMATION_LINK_DAYS = env_int("CONFIRMATION_LINK_DAYS", 14)

# Satisfaction surveys (CSAT-1, CSAT-2): sent this long after a resolution, one reminder this long after
# sending, the link valid this many days; an overall score at or below SURVEY_LOW_SCORE (or 不满意 /
# 非常不满意) reopens the ticket for second processing. Answers per client address per window (no login).
SURVEY_DELAY_HOURS = env_int("SURVEY_DELAY_HOURS", 24)
SURVEY_REMINDER_HOURS = env_int("SURVEY_REMINDER_HOURS", 72)
SURVEY_EXPIRY_DAYS = env_int("SURVEY_EXPIRY_DAYS", 14)
SURVEY_LOW_SCORE = env_int("SURVEY_LOW_SCORE", 3)
SURVEY_MAX_PER_IP = env_int("SURVEY_MAX_PER_IP", 20)
SURVEY_WINDOW_MINUTES = env_int("SURVEY_WINDOW_MINUTES", 10)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# With secure cookies the site is served over TLS (a proxy in front, docs/deploy.md): tell browsers
# to come back only over HTTPS, and believe the proxy's X-Forwarded-Proto so Django knows a request
# was secure (SecurityMiddleware sends HSTS only on secure requests).
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000) if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
if SESSION_COOKIE_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Every HTML page (serviceloop/core/middleware.py): scripts and styles only from our static files,
# no inline script, no plugins, no framing; images may be data: URLs (previews, the API docs' icons).
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)

# --- Background jobs (Huey) ---------------------------------------------------------------------
# Embedded: a SQLite queue in the data directory, consumed by the `serviceloop worker` process that
# `serviceloop run` starts beside the web server. Scaled: REDIS_URL, and `serviceloop worker` on any
# number of machines.
REDIS_URL = env("REDIS_URL")
HUEY = {
    "name": env("JOBS_QUEUE_NAME", "serviceloop"),
    "immediate": env_bool("JOBS_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": env_int("WORKER_THREADS", 2), "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "jobs.sqlite3")})

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "serviceloop@localhost")

# --- Notifications: one outbox for every channel (NTF-1..3, notifications/outbox.py) -----------------
# From / Reply-To of outgoing ticket mail until a Mailbox (channels) names its own; the Message-ID domain
# defaults to the From address's domain.
NOTIFY_EMAIL_FROM = env("NOTIFY_EMAIL_FROM", DEFAULT_FROM_EMAIL)
NOTIFY_EMAIL_REPLY_TO = env("NOTIFY_EMAIL_REPLY_TO")
NOTIFY_MESSAGE_ID_DOMAIN = env("NOTIFY_MESSAGE_ID_DOMAIN")
# Retries: attempt n waits BASE × 2^(n-1) seconds, at most MAX; after MAX_ATTEMPTS the delivery is dead.
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
# Robots, webhooks and SMS: seconds to connect and to wait for each read; a hung endpoint costs this.
NOTIFY_HTTP_TIMEOUT = float(env("NOTIFY_HTTP_TIMEOUT", "10"))
# A claimed delivery is the worker's for this long; longer than any send may take (SMTP: EMAIL_TIMEOUT).
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 300)
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 100)
# The language of group robots' messages (each robot may set its own).
NOTIFY_ROBOT_LANGUAGE = env("NOTIFY_ROBOT_LANGUAGE", "zh-hans")
# SMS (NTF-1): SMS_PROVIDER=aliyun turns it on; template codes per message kind as JSON, e.g.
# {"acknowledged": "SMS_4630001", "survey": "SMS_4630002", "escalated": "SMS_4630003"} (the admin may
# override each in 消息模板).
SMS_PROVIDER = env("SMS_PROVIDER")
SMS_ACCESS_KEY_ID = env("SMS_ACCESS_KEY_ID")
SMS_ACCESS_KEY_SECRET = env("SMS_ACCESS_KEY_SECRET")
SMS_SIGN_NAME = env("SMS_SIGN_NAME")
SMS_ENDPOINT = env("SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_REGION = env("SMS_REGION", "cn-hangzhou")
SMS_TEMPLATE_CODES = json.loads(env("SMS_TEMPLATE_CODES", "{}") or "{}")
# --- Inbound email (serviceloop/channels) ---------------------------------------------------------
# Mailboxes themselves (server, folder, credentials, what to do after processing) are rows an
# administrator keeps in the admin; these are the limits every mailbox shares.
# Messages fetched per mailbox in one step of the job (the job repeats steps for up to a minute).
EMAIL_FETCH_BATCH = env_int("EMAIL_FETCH_BATCH", 50)
# A larger message is not downloaded: its headers are kept, it stays untouched on the server and is
# listed as failed for an administrator (USR-9: one huge mail never blocks the mailbox).
EMAIL_MAX_MESSAGE_BYTES = env_int("EMAIL_MAX_MESSAGE_BYTES", 80 * 1024 * 1024)
# Attachments taken from one message; the rest are named in an internal note (the .eml keeps them).
EMAIL_MAX_ATTACHMENTS = env_int("EMAIL_MAX_ATTACHMENTS", 50)
# Loop protection: messages accepted from one sender address per hour; more are kept but ignored.
EMAIL_MAX_PER_SENDER_PER_HOUR = env_int("EMAIL_MAX_PER_SENDER_PER_HOUR", 30)
# Automatic retries of a message that failed (backoff 1, 2, 4 … minutes, at most 6 hours apart).
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8)
EMAIL_IMAP_TIMEOUT = env_int("EMAIL_IMAP_TIMEOUT", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
