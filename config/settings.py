"""One settings module, driven by environment variables with safe embedded defaults.

Embedded default (no services needed): SQLite in ``var/``, Celery tasks executed in-process,
email to the console. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to a real broker.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab

from ops.logs import log_format_from_env, logging_config

# Lets admin and queryset classes be subscripted at runtime (ModelAdmin[Case]) for mypy's sake.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The development key is public; config.checks refuses to start with it when DEBUG is off.
DEV_SECRET_KEY = "dev-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", True)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    # Refuse to start at all (gunicorn and Celery load settings but run no system checks); the system
    # check config.E002 says the same to `manage.py check --deploy` users.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production).")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Used to build absolute links (negotiation pages, opt-out links) in notices.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LENDER_NAME = os.environ.get("LENDER_NAME", "Harbour Consumer Finance")

INSTALLED_APPS = [
    # Before the admin: compliance/templates/admin/index.html adds the workspace link to the admin index.
    "compliance",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "phonenumber_field",
    "config.apps.ConfigAppConfig",
    "accounts",
    "debt_collections.apps.CollectionsConfig",
    "notifications",
    # The demo-data generator (`seed_demo`): an entry point over the services, outside the domain app.
    "demo",
    "ops",
    "django_prometheus",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Before everything that logs: every log line of a request carries its id (ops.logs).
    "ops.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server itself (gunicorn), compressed, with far-future caching for
    # hashed names; before the session middleware so a static file costs no session work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's debug page never reaches a customer, even in the demo (issue 12).
    "config.errors.HumaneErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
# The negotiation page is public: a failed CSRF check shows a neutral page, never Django's debug text.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(os.environ.get("APP_VAR_DIR", BASE_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing with
# "database is locked" half-way through a transaction; the timeout is how long they queue (seconds).
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite by URL keeps the same safety as the embedded default (issue 12); options given in
        # the URL's query string win.
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    # The embedded database lives in var/ (git-ignored); create it so a fresh clone needs no setup step.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_NAME", "")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Staff log in through the admin; there is no other login page or profile page.
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Time and language ----------------------------------------------------------------------
# Stored times are UTC (enforced by config.checks); local day boundaries come from the customer's zone.
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# `manage.py collectstatic` writes here (production); WhiteNoise serves it from gunicorn.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# Production (DEBUG off): hashed file names (cached for a year) and precompressed copies, made by
# collectstatic. Development and the test suite keep Django's plain storage, which needs no collectstatic
# (pytest-django's live server and runserver serve from the apps' static folders). DJANGO_STATIC_STORAGE
# (`plain` or `manifest`) overrides the choice.
STATIC_STORAGE = os.environ.get("DJANGO_STATIC_STORAGE", "plain" if DEBUG else "manifest")
if DEBUG:
    # WhiteNoise looks at STATIC_ROOT when it starts; in development nothing is collected there.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_STORAGE == "manifest"
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 ("log in") and 403 keeps meaning "not allowed".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.IsStaff"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collections case management API",
    "DESCRIPTION": "Staff API: cases, transitions, contact attempts, notices. Errors are JSON "
    "with `detail` and `code`; compliance blocks add `blocked_by` and `next_allowed_at`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The same choice lists appear under several field names; one name each keeps the schema warning-free.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "debt_collections.models.CaseState",
        "CaseTransitionEnum": "debt_collections.kernel.access.MANUAL_TRANSITIONS",
        "ContactChannelEnum": "debt_collections.models.ContactAttempt.Channel",
        "NoticeChannelEnum": "notifications.models.Channel",
        "PlanKindEnum": "debt_collections.models.RepaymentPlan.Kind",
        "DisputeKindEnum": "debt_collections.models.Dispute.Kind",
        "DisputeOutcomeEnum": "debt_collections.api.serializers_negotiation.OUTCOME_CHOICES",
        # The contact-attempt outcome keeps the name it had before dispute outcomes joined the schema.
        "OutcomeEnum": "debt_collections.models.ContactAttempt.Outcome",
        # Credit reporting and limit changes (debt_collections.api.credit_reports, .limits).
        "CreditReportStatusEnum": "debt_collections.models.CreditReportNotice.Status",
        "BureauRecordKindEnum": "debt_collections.models.BureauRecord.Kind",
        "BureauDisputeMarkerEnum": "debt_collections.models.BureauRecord.DisputeMarker",
        "LimitChangeStatusEnum": "accounts.models.CreditLimitChange.Status",
        "LimitChangeReasonEnum": "accounts.models.CreditLimitChange.Reason",
        "LimitChangeDecisionEnum": "accounts.models.CreditLimitChange.Decision",
    },
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No results are kept by default (tasks record their outcome in the database); a benchmark or an operator
# waiting on a group can set one.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Without a broker the tasks run in-process, so `make run` needs no service.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A short timeout so that a request never hangs when the broker is down: the outbox relay retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Optionally, notices are sent from a queue of their own (a worker per queue, or one worker with
# ``-Q celery,<name>``): the daily cycle's chunks then never wait behind the day's 10,000s of sends, nor the
# sends behind the cycle. Unset, every task shares the default queue.
NOTICE_SEND_QUEUE = os.environ.get("NOTICE_SEND_QUEUE", "")
CELERY_TASK_ROUTES = (
    {
        name: {"queue": NOTICE_SEND_QUEUE}
        for name in ("notifications.send_notice", "notifications.send_notice_batch")
    }
    if NOTICE_SEND_QUEUE
    else {}
)
# Numbers are stored and shown as E.164 (accounts.models.StoredPhoneNumberField relies on the two matching).
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"
CELERY_BEAT_SCHEDULE = {
    "relay-pending-notices": {"task": "notifications.relay_pending_notices", "schedule": 60.0},
    # Daily at 00:30 UTC; the cycle is deterministic for its date, so a re-run is harmless.
    "collection-cycle": {
        "task": "debt_collections.run_collection_cycle",
        "schedule": crontab(minute=30, hour=0),
    },
    # Nightly, after the cycle: the compliance workspace shows the result and names any broken event.
    "verify-audit-chain": {
        "task": "compliance.verify_audit_chain_nightly",
        "schedule": crontab(minute=0, hour=3),
    },
    # The work queue's rows the clock has changed (a call stretch ends or starts, a callback or promise
    # comes due): a bounded batch every few minutes, so no run ever recomputes the whole book.
    "work-queue-refresh-due": {"task": "debt_collections.queue_refresh_due", "schedule": 300.0},
    # Seal the chain head in a signed checkpoint if it moved since the last one (the "every M minutes").
    "seal-audit-checkpoint": {
        "task": "debt_collections.seal_audit_checkpoint",
        "schedule": 60.0 * int(os.environ.get("AUDIT_CHECKPOINT_EVERY_MINUTES", "10")),
    },
}

# --- Audit chain: signed checkpoints and per-event MACs (debt_collections.kernel.audit_keys, checkpoints) --
# The Ed25519 private key the database never holds: PEM text in AUDIT_SIGNING_KEY, or a PEM file. With DEBUG
# on, a missing file is generated (var/ is git-ignored); in production a missing key refuses to run.
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_FILE = Path(os.environ.get("AUDIT_SIGNING_KEY_FILE", VAR_DIR / "audit-signing-key.pem"))
# Where checkpoints are published: "local" (one read-only file per checkpoint in AUDIT_CHECKPOINT_DIR) or
# "s3" (a bucket with object lock; needs boto3 and the usual AWS_* credentials of a put-only user).
AUDIT_CHECKPOINT_STORE = os.environ.get("AUDIT_CHECKPOINT_STORE", "local")
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
AUDIT_CHECKPOINT_S3_BUCKET = os.environ.get("AUDIT_CHECKPOINT_S3_BUCKET", "")
AUDIT_CHECKPOINT_S3_PREFIX = os.environ.get("AUDIT_CHECKPOINT_S3_PREFIX", "checkpoints/")
AUDIT_CHECKPOINT_S3_ENDPOINT = os.environ.get("AUDIT_CHECKPOINT_S3_ENDPOINT", "")
AUDIT_CHECKPOINT_S3_RETENTION_DAYS = int(os.environ.get("AUDIT_CHECKPOINT_S3_RETENTION_DAYS", "3650"))
# Cadence: a checkpoint after every N events or M minutes, whichever first (plus each cycle and export).
# Audit chains (kernel.audit.chain_for: appends to different chains never wait). Fixed once chosen.
AUDIT_CHAINS = int(os.environ.get("AUDIT_CHAINS", "8"))
AUDIT_CHECKPOINT_EVERY_EVENTS = int(os.environ.get("AUDIT_CHECKPOINT_EVERY_EVENTS", "1000"))
AUDIT_CHECKPOINT_EVERY_MINUTES = int(os.environ.get("AUDIT_CHECKPOINT_EVERY_MINUTES", "10"))
# PostgreSQL: the role the application connects as in production (INSERT and SELECT only on the audit
# table). migrate (run as the owner) grants it its privileges; see `manage.py audit_db_roles`.
DATABASE_RUNTIME_ROLE = os.environ.get("DATABASE_RUNTIME_ROLE", "")

# --- Email and channels ---------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "collections@example.com")
# Channel backends (notifications.channels). SMS and letters talk to providers outside our walls, so
# they sit behind a small interface; the defaults need no service.
NOTICE_BACKENDS = {
    "sms": os.environ.get("NOTICE_SMS_BACKEND", "notifications.channels.ConsoleSmsBackend"),
    "email": "notifications.channels.DjangoEmailBackend",
    "letter": "notifications.channels.FileLetterBackend",
}
NOTICE_LETTER_DIR = Path(os.environ.get("NOTICE_LETTER_DIR", VAR_DIR / "letters"))
NOTICE_SMS_DIR = Path(os.environ.get("NOTICE_SMS_DIR", VAR_DIR / "sms"))
# Shown in limited-content messages instead of the lender's name (no creditor detail to unverified points).
NEUTRAL_SENDER_NAME = os.environ.get("NEUTRAL_SENDER_NAME", "Harbour Services")
CONTACT_PHONE = os.environ.get("CONTACT_PHONE", "400-820-0000")
COMPLAINT_ESCALATION = os.environ.get("COMPLAINT_ESCALATION", "12378 (NFRA consumer hotline)")
# A pending notice older than this is picked up again by the relay (broker down, worker killed).
NOTICE_RELAY_AFTER_SECONDS = int(os.environ.get("NOTICE_RELAY_AFTER_SECONDS", "60"))
# A claim ("sending") older than this is presumed lost with its worker and is retried with the same key.
NOTICE_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("NOTICE_CLAIM_TIMEOUT_SECONDS", "300"))

# --- Customer payments (issue 14; debt_collections.payments_provider) -----------------------
# Providers by name; the customer page uses PAYMENT_PROVIDER. Each provider's webhook is signed with its
# own shared secret (HMAC-SHA256 over timestamp + body); a provider without a secret is not accepted.
PAYMENT_PROVIDERS = {
    "test": "debt_collections.payments_provider.providers.TestProvider",
    "bank_transfer": "debt_collections.payments_provider.providers.BankTransferProvider",
}
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "test" if DEBUG else "bank_transfer")
PAYMENT_WEBHOOK_SECRETS = {
    name: secret
    for name, secret in {
        # The test provider (its checkout page and secret) exists only outside production.
        "test": os.environ.get("PAYMENT_TEST_SECRET", "test-provider-secret" if DEBUG else ""),
        "bank_transfer": os.environ.get("PAYMENT_BANK_TRANSFER_SECRET", ""),
    }.items()
    if secret
}
PAYMENT_BANK_ACCOUNT = {
    "bank": os.environ.get("PAYMENT_BANK_NAME", "Harbour Bank"),
    "name": os.environ.get("PAYMENT_BANK_ACCOUNT_NAME", "Harbour Consumer Finance Ltd"),
    "number": os.environ.get("PAYMENT_BANK_ACCOUNT_NUMBER", "6222 0000 1234 5678"),
}

# --- Security in production -----------------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Plain HTTP is redirected to HTTPS; DJANGO_SECURE_SSL_REDIRECT=false only where TLS ends in front of
    # a proxy that already redirects, or for a loopback test over plain HTTP (.ci/smoke-production).
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Probes and scrapes come over plain HTTP from inside the network (config/ops.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Operations -------------------------------------------------------------------------------
# /metrics answers a bearer token when this is set; without it, only loopback requests (config/ops.py).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- Logging --------------------------------------------------------------------------------
# Production: one JSON object per line (time, level, logger, message, request_id, user_id, link_id);
# development: plain text. LOG_FORMAT (`json` or `text`) overrides; LOG_LEVEL sets the level. See ops.logs.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = log_format_from_env()
# The embedded default (`make run`: DEBUG, tasks in-process) keeps per-message lines (each SMS, each
# Celery task's "succeeded") at DEBUG, so the console shows the summaries; LOG_LEVEL=DEBUG shows them.
LOG_QUIET_PER_MESSAGE = DEBUG and CELERY_TASK_ALWAYS_EAGER
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL, quiet_per_message=LOG_QUIET_PER_MESSAGE)

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Trust boundaries (issue 11): shared counters, brute-force limits, browser hardening, bad input ---
# Counters (login failures, throttles) live in one cache every worker and host shares: Redis when
# REDIS_URL is set (CACHE_REDIS_URL picks another database), the database cache table otherwise (created
# by config's migration). Never a per-process memory cache, which each worker would count on its own.
_CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", REDIS_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_REDIS_URL}
        if _CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    )
}
CACHES["default"]["KEY_PREFIX"] = "dc"
# With Redis as the cache, sessions are read from it (written through to the database, so a lost cache
# loses no session): every customer-page and admin request reads its session, and that read was one of
# the page's queries (issue 13). On the database cache that would only add a second read.
if _CACHE_REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The client address every limit counts by is REMOTE_ADDR; X-Forwarded-For is believed only for the
# number of proxies of ours named here (config.security.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Admin login and the token endpoint: django-axes counts failures per username and per client address
# (each locks on its own) and locks for the cool-off period; the answer is a 429 with Retry-After.
INSTALLED_APPS += ["axes", "csp", "drf_spectacular_sidecar"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_LOCKOUT_CALLABLE = "config.security.axes_lockout"
AXES_VERBOSE = False
# Counters live in the cache; the access-attempt tables and their admin pages stay unused.
AXES_ENABLE_ADMIN = False
# The token endpoint's own throttle (per client address, same cache), on top of the lockout.
TOKEN_RATE = os.environ.get("TOKEN_RATE", "10/min")
# The customer's pages (/n/, /o/): (limit, window seconds). The link itself locks after 5 failed checks.
CUSTOMER_PAGE_RATE = (int(os.environ.get("CUSTOMER_PAGE_RATE_PER_MIN", "60")), 60)
CUSTOMER_VERIFY_RATE_PER_LINK = (int(os.environ.get("CUSTOMER_VERIFY_RATE_PER_LINK_HOUR", "10")), 3600)
CUSTOMER_VERIFY_RATE_PER_IP = (int(os.environ.get("CUSTOMER_VERIFY_RATE_PER_IP_HOUR", "30")), 3600)

_security_at = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE.insert(_security_at + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(_security_at + 2, "config.security.CustomerThrottleMiddleware")
# Last, as django-axes asks: it turns a lockout flagged during authentication into the 429 answer.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

# A strict Content-Security-Policy on every page: scripts only from our own origin (the API docs too:
# drf-spectacular-sidecar's copy of Swagger UI, loaded by a separate script URL, no inline script), no
# plugins, no framing, forms post only to us. Inline <style> blocks stay allowed (no script runs there).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)

if not DEBUG:
    # Browsers remember to use HTTPS only; a year, subdomains included (DJANGO_HSTS_SECONDS=0 to stage it).
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SECURE_REFERRER_POLICY = "same-origin"
    # Behind a TLS-terminating proxy of ours (TRUSTED_PROXY_COUNT > 0) the scheme comes from it.
    if TRUSTED_PROXY_COUNT > 0:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bad input is a 400, never a 500: JSON bodies parsed with a nesting and size limit, lists paginated.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))
API_JSON_MAX_DEPTH = 32
REST_FRAMEWORK.update(
    {
        "DEFAULT_PARSER_CLASSES": [
            "config.parsers.LimitedJSONParser",
            "rest_framework.parsers.FormParser",
            "rest_framework.parsers.MultiPartParser",
        ],
        "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    }
)

# Personal data out of logs: the development email backend logs one masked line per message, and every
# log line passes a filter that masks phone numbers, emails, national ids and link tokens.
if "EMAIL_BACKEND" not in os.environ:
    EMAIL_BACKEND = "config.mail.MaskedConsoleEmailBackend"
LOGGING.setdefault("filters", {})["mask_personal_data"] = {"()": "config.logmask.MaskPersonalData"}
for _handler in LOGGING.get("handlers", {}).values():
    _handler.setdefault("filters", []).append("mask_personal_data")
