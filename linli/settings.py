"""linli settings: one file, driven by environment variables (see docs/configuration.md).

Local development reads ``var/linli.env`` (made by ``make run``/``make test``);
real environment variables always win over that file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from linli.lib.env import env_bool, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LINLI_VAR_DIR", str(BASE_DIR / "var")))
load_env_file(VAR_DIR / "linli.env")

DEBUG = env_bool("DEBUG", False)
# HTTPS-only cookies, HSTS and redirects. On by default in production; `make run`
# serves plain HTTP on 127.0.0.1 and turns it off.
HTTPS = env_bool("LINLI_HTTPS", not DEBUG)

SECRET_KEY = env_str("SECRET_KEY", required=True)
LINLI_DATA_KEY = env_str("LINLI_DATA_KEY", required=True)
LINLI_INDEX_KEY = env_str("LINLI_INDEX_KEY", required=True)
# Previous data keys (comma-separated), still able to decrypt during a key rotation.
LINLI_DATA_KEYS_OLD = env_list("LINLI_DATA_KEYS_OLD", [])
# Area code added to a local landline number given without one (运城: 0359).
LINLI_DEFAULT_AREA_CODE = env_str("LINLI_DEFAULT_AREA_CODE", "0359")
if LINLI_DATA_KEY == LINLI_INDEX_KEY:
    raise ImproperlyConfigured("LINLI_DATA_KEY and LINLI_INDEX_KEY must be different keys.")
for _key_name, _key in [("LINLI_DATA_KEY", LINLI_DATA_KEY)] + [
    ("LINLI_DATA_KEYS_OLD", k) for k in LINLI_DATA_KEYS_OLD
]:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"{_key_name} is not a valid key (32 url-safe base64-encoded bytes); "
            "make one with: python -m linli.lib.keys"
        ) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "linli",
    "places",
    "accounts",
    "people",
    "cobuild",
    "hotline",
    "care",
    "insights",
    "open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.SessionMiddleware",
    "linli.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.context_processors.product",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite (WAL) is the embedded default; PostgreSQL via DATABASE_URL in production.
_default_db = f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"
try:
    _db = dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (CONN_MAX_AGE 60, as for PostgreSQL): a new SQLite
    # connection parses the whole schema again on first use, ~1.4 ms per request.
    # A restore writes through SQLite's backup API, which open connections see.
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
        # timeout instead of failing halfway with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # FULL: a power cut must not lose an acknowledged order or ledger entry.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;",
    }
    # Tests use a real file so that WAL, locking and threads behave as in production.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background tasks ---------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The database backend needs nothing but the database; LINLI_TASKS=redis moves the
# queue to Redis (RQ) when several machines share the work.
_tasks_backend = env_str("LINLI_TASKS", "database")
if _tasks_backend == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif _tasks_backend == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("LINLI_TASKS=redis needs REDIS_URL.")
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
elif _tasks_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("LINLI_TASKS must be one of: database, redis, immediate.")
# A task still marked running after this long is taken as abandoned (its worker was
# killed or hung) and put back in the queue by `manage.py run_scheduler`; tasks are
# idempotent, so running one twice is safe (see CONTRIBUTING.md).
LINLI_TASK_TIMEOUT_MINUTES = env_int("LINLI_TASK_TIMEOUT_MINUTES", 15, minimum=1)

# --- Accounts and security ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock out one username from one address: a whole office behind one NAT address
# keeps working while one account is being guessed.
AXES_FAILURE_LIMIT = env_int("LINLI_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LINLI_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the session cookie is renewed on every request and dies after
# LINLI_IDLE_MINUTES without one (polls a page sends by itself do not count, see
# accounts.middleware). The absolute limit is enforced by middleware.
SESSION_COOKIE_AGE = env_int("LINLI_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LINLI_SESSION_ABSOLUTE_HOURS = env_int("LINLI_SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and not DEBUG
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("LINLI_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Every asset comes from the app itself; no inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The audit log is kept at least six months (PIPL and the office's own rules);
# `manage.py purge_audit` never deletes entries younger than this.
LINLI_AUDIT_RETENTION_DAYS = env_int("LINLI_AUDIT_RETENTION_DAYS", 190, minimum=183)

# A resident's name, numbers and circumstances are kept this many years after their
# last household membership ended (people.retention; `manage.py purge_residents`):
# long enough for the call-backs, disputes and yearly reports about their time here.
LINLI_RESIDENT_RETENTION_YEARS = env_int("LINLI_RESIDENT_RETENTION_YEARS", 3, minimum=1)

# Second factor (TOTP app codes) for leaders and administrators: optional, unless
# their role is listed here (comma-separated role names, e.g. "leader,admin").
LINLI_REQUIRE_2FA_ROLES = env_list("LINLI_REQUIRE_2FA_ROLES", [])
OTP_TOTP_ISSUER = env_str("LINLI_OTP_ISSUER", "linli")
# Wrong codes back off exponentially: 1, 2, 4, 8 … seconds before the next try.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Photos and receipts (linli.lib.uploads): larger files are refused.
LINLI_UPLOAD_MAX_MB = env_int("LINLI_UPLOAD_MAX_MB", 8, minimum=1)

# Key that seals backups (`manage.py backup --encrypt`), a Fernet key. Keep a copy
# away from the server: without it an encrypted backup cannot be restored.
LINLI_BACKUP_KEY = env_str("LINLI_BACKUP_KEY", "")

# --- Language, time ------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Product ---------------------------------------------------------------------
LINLI_PRODUCT_NAME = _("Linli community governance")

# Where hotline notifications go after they are stored in the outbox: dotted paths of
# channel classes (see docs/notifications.md for an SMS adapter).
LINLI_NOTIFY_CHANNELS = env_list(
    "LINLI_NOTIFY_CHANNELS", ["hotline.notify.StoreChannel", "hotline.notify.LogChannel"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "linli.lib.logmask.MaskPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default handlers (console when DEBUG, runserver's request log)
        # do not mask; route its loggers through the masking console only.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
