"""Settings for every environment.

With no environment variables the platform runs embedded: SQLite under ``var/``, Channels'
in-memory layer, eager Celery, local-memory cache and console e-mail. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis (broker, channel layer and cache).
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from opsplatform.logging import logging_config

from .environment import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("OPS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "embedded-mode-only-not-a-secret-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "opsplatform",
    "reference",
    "accounts",
    "messaging",
    "operations",
    "seizures",
    "reports",
]

MIDDLEWARE = [
    "opsplatform.logging.RequestIdMiddleware",
    "opsplatform.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opsplatform.urls"
WSGI_APPLICATION = "opsplatform.wsgi.application"
ASGI_APPLICATION = "opsplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "opsplatform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messaging.context_processors.channel",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, channel layer, cache ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")

if REDIS_URL:
    # The cache only counts rate limits, which let requests through while Redis is away (opsplatform.ratelimit):
    # a Redis that stopped answering must cost a request a second, not redis-py's default wait.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # channels_redis blocks 5 s per receive and redis-py 8 gives up reading after 5 s by default: under load the
    # client gave up first and the stream lost a consumer (close 1011). The read timeout must exceed the block.
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's layer with a pool that waits rather than refuses (opsplatform.channel_layer).
            "BACKEND": "opsplatform.channel_layer.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 3}],
                # A backlog pushed after an outage queues up for each open stream; past the capacity (100 by
                # default) channels_redis drops messages silently. Room for a replay page's worth (REPLAY_PAGE).
                "capacity": 1500,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 3,
    # A late-acknowledged task (report generation) held by a worker that died goes to another worker after
    # this many seconds, checked every 10 s; it must exceed the longest task, or that task runs twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_throttle": 1,
    # A publish (a request scheduling the relay) tries the broker once and gives up: the beat sweep covers it.
    "max_retries": 0,
}
CELERY_TIMEZONE = "UTC"
# A relay worker's send of one event to the channel layer gives up after this long (the batch is pushed again).
EVENT_PUSH_TIMEOUT_SECONDS = env_int("EVENT_PUSH_TIMEOUT_SECONDS", 10)
# After failing to reach the broker, a process schedules no task for this long (opsplatform.broker) ...
BROKER_RETRY_AFTER_SECONDS = env_int("BROKER_RETRY_AFTER_SECONDS", 10)
# ... and a request waits at most this long for it to connect and to answer.
BROKER_PUBLISH_TIMEOUT_SECONDS = env_int("BROKER_PUBLISH_TIMEOUT_SECONDS", 1)
# A worker that lost the broker tries again this often, for as long as it takes (opsplatform.worker).
BROKER_RECONNECT_SECONDS = env_int("BROKER_RECONNECT_SECONDS", 1)
CELERY_WORKER_CONSUMER = "opsplatform.worker:BrokerConsumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = False
# Workers reserve one task at a time: a long report never holds quick relays hostage, nor does a killed worker.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING below (JSON lines when LOG_FORMAT=json), like the web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# With a queue name, reports go to it, so dedicated workers (-Q) render them while others relay events.
CELERY_REPORTS_QUEUE = env_str("CELERY_REPORTS_QUEUE", "")
# Every task queues at priority 6 but the event relay, at 0, which workers on Redis take first: real-time pushes
# never wait behind e-mail fan-outs or reports (after a Redis outage, hundreds of fan-outs to a hundred people
# each held the relays back for seconds). The routes decide: a task's own default priority would override them.
_BACKGROUND_TASKS = {"priority": 6}
CELERY_TASK_ROUTES = {
    "messaging.tasks.relay_events": {"priority": 0},
    "reports.tasks.*": {**_BACKGROUND_TASKS, **({"queue": CELERY_REPORTS_QUEUE} if CELERY_REPORTS_QUEUE else {})},
    "*": _BACKGROUND_TASKS,
}
CELERY_BEAT_SCHEDULE = {
    # The relay is also triggered on every commit; the sweep catches what a broker outage left behind.
    "relay-events": {"task": "messaging.tasks.relay_events", "schedule": env_int("EVENT_RELAY_SWEEP_SECONDS", 2)},
    "send-pending-notifications": {"task": "messaging.tasks.send_notifications", "schedule": 60},
    "send-feedback-reminders": {"task": "messaging.tasks.send_feedback_reminders", "schedule": 3600},
    "send-digests": {"task": "messaging.tasks.send_digests", "schedule": crontab(hour=6, minute=0)},
    "advance-operations-clock": {"task": "operations.tasks.advance_operations_clock", "schedule": 60},
    "generate-pending-reports": {"task": "reports.tasks.generate_pending_reports", "schedule": 60},
    "block-inactive-accounts": {
        "task": "accounts.tasks.block_inactive_accounts",
        "schedule": crontab(hour=5, minute=0),
    },
    "apply-retention": {"task": "seizures.tasks.apply_retention", "schedule": crontab(hour=3, minute=30)},
    "purge-idempotency-records": {"task": "seizures.tasks.purge_idempotency_records", "schedule": crontab(minute=15)},
    # A filing's channel post is made by a worker after commit; the sweep makes those a broker outage left owed.
    "announce-due-seizures": {"task": "seizures.tasks.announce_due_seizures", "schedule": 60},
}

# --- Accounts and passwords -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
API_TOKEN_LIFETIME = timedelta(hours=env_int("API_TOKEN_LIFETIME_HOURS", 12))
# django-axes counts failed sign-ins (login page, second step and token endpoint) per username.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
# By username alone: failures are summed over every address and browser, and colleagues behind one
# office's address are not locked out together. (Axes warns about the missing address; see above.)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = True
# Second factor: TOTP, mandatory for these roles, optional for the others.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "opsplatform")
TWO_FACTOR_REQUIRED_ROLES = ["secretariat", "coordinator", "national_contact"]
# Staff and superusers need a second factor whatever their role (accounts.middleware); the TOTP keys are
# never shown in the admin, not even to them.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
ACCOUNT_ACTIVATION_HOURS = env_int("ACCOUNT_ACTIVATION_HOURS", 72)
# Accounts unused for this many days are blocked; their owners are reminded this many days before.
ACCOUNT_INACTIVITY_DAYS = env_int("ACCOUNT_INACTIVITY_DAYS", 180)
ACCOUNT_INACTIVITY_REMINDER_DAYS = env_int("ACCOUNT_INACTIVITY_REMINDER_DAYS", 10)
# Years after an operation closes before the personal data of its parties is erased, unless the
# reporting administration set its own period.
PARTY_RETENTION_YEARS = env_int("PARTY_RETENTION_YEARS", 5)

# --- Browser security ------------------------------------------------------------------------
# Every response says what the browser may load: our own scripts and styles only, never inline code;
# the stream's WebSocket on the same host. Uploaded files are served with a stricter policy of their own.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE


def _websocket_origin(site_url: str) -> str:
    """``wss://host`` for an HTTPS site, ``ws://host`` otherwise: the stream lives on the site's own host."""
    scheme, _sep, rest = site_url.partition("://")
    return ("wss://" if scheme == "https" else "ws://") + rest.split("/", 1)[0]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", _websocket_origin(env_str("SITE_URL", "http://127.0.0.1:8000"))],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "opsplatform <noreply@localhost>")
# Without a timeout a silent SMTP server holds a worker for ever; a send claim must outlive it.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# An e-mail claimed by a sender that died (worker killed) is sent again after this many seconds.
NOTIFICATION_CLAIM_SECONDS = max(env_int("NOTIFICATION_CLAIM_SECONDS", 300), EMAIL_TIMEOUT + 5)
# Sends of one e-mail before it is given up (an address the server keeps refusing).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5)

# --- Channel ------------------------------------------------------------------------------
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
NOTIFICATION_DEFAULT_FREQUENCY = env_str("NOTIFICATION_DEFAULT_FREQUENCY", "digest")
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MEGABYTES", 20) * 1024 * 1024
# Downloads and exports (report files, CSV tables, library documents, attachments) per person, pages and API.
DOWNLOAD_RATE_LIMIT = env_str("DOWNLOAD_RATE_LIMIT", "60/min")
#: Submissions of the public access-request form per address.
PUBLIC_FORM_RATE_LIMIT = env_str("PUBLIC_FORM_RATE_LIMIT", "10/hour")
#: Sign-in attempts (password and code steps) per client address; django-axes also locks each username.
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "30/min")
#: Proxies (nginx) whose last X-Forwarded-For hop names the client, for every per-address limit (pages and
#: API). Must list the nginx hosts' addresses when nginx runs on other machines; other peers' headers are ignored.
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS", "127.0.0.0/8,::1/128")
try:
    for _network in TRUSTED_PROXY_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {error}") from None
# Token requests per client address (opsplatform.throttling), besides django-axes' lockout per username.
API_AUTH_THROTTLE_RATE = env_str("API_AUTH_THROTTLE_RATE", "20/min")

# --- Reports ----------------------------------------------------------------------------------
# Operations with up to this many commodity lines are reported within the request; larger ones by a worker.
REPORT_INLINE_MAX_LINES = env_int("REPORT_INLINE_MAX_LINES", 5000)
# A report whose generation shows no progress for this long is taken to be lost (worker killed) and generated again.
REPORT_STALE_SECONDS = env_int("REPORT_STALE_SECONDS", 900)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

IDEMPOTENCY_IN_FLIGHT_SECONDS = env_int("IDEMPOTENCY_IN_FLIGHT_SECONDS", 60)
# Stored answers (a filing's carries its parties) are deleted after this long; a retry later is a new request.
IDEMPOTENCY_RETENTION_HOURS = env_int("IDEMPOTENCY_RETENTION_HOURS", 24)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "opsplatform.api.parsers.JSONParser",
        "opsplatform.api.parsers.FormParser",
        "opsplatform.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "opsplatform.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opsplatform.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": API_AUTH_THROTTLE_RATE,
        "download": DOWNLOAD_RATE_LIMIT,
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "opsplatform API",
    "DESCRIPTION": "Joint environmental-enforcement operations: reference data, operations, seizures, reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The closed user group's API is described to its members only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AudienceEnum": "messaging.choices.AudienceKind",
        "ChoosableAudienceEnum": "messaging.api.serializers.CHOOSABLE",
        "PostKindEnum": "messaging.choices.PostKind",
        "NewPostKindEnum": "messaging.api.serializers.NEW_POST_KINDS",
        "ReplyKindEnum": "messaging.api.serializers.REPLY_KINDS",
        "DocumentKindEnum": "messaging.choices.DocumentKind",
        "NotificationKindEnum": "messaging.choices.NotificationKind",
        "AdministrationKindEnum": "accounts.choices.AdministrationKind",
        "LanguageEnum": "accounts.choices.Language",
        "MeaKindEnum": "reference.choices.MeaKind",
        "PortKindEnum": "reference.choices.PortKind",
        "UserRoleEnum": "accounts.choices.Role",
        "OperationStatusEnum": "operations.choices.OperationStatus",
        "ParticipationStatusEnum": "operations.choices.ParticipationStatus",
        "ParticipationRoleEnum": "operations.choices.ParticipationRole",
        "SeizureStatusEnum": "seizures.choices.SeizureStatus",
        "RouteRoleEnum": "seizures.choices.RouteRole",
        "PartyRoleEnum": "seizures.choices.PartyRole",
        "PartyKindEnum": "seizures.choices.PartyKind",
        "DisposalEnum": "seizures.choices.Disposal",
        "ReportKindEnum": "reports.choices.ReportKind",
        "ReportStatusEnum": "reports.choices.ReportStatus",
        "ReportAudienceEnum": "reports.choices.ReportAudience",
    },
}

# --- Logs, health and metrics ----------------------------------------------------------------
# plain (default) or json: one JSON object per line with the request id (opsplatform.logging).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING_CONFIG = "opsplatform.logging.configure"
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /readyz waits at most this long for the database and Redis.
READINESS_TIMEOUT_SECONDS = env_int("READINESS_TIMEOUT_SECONDS", 2)
# /metrics answers these networks, and anyone presenting METRICS_TOKEN as a bearer token.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
try:
    for _network in METRICS_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {error}") from None
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# prometheus_client takes the variable's mere presence for multi-process mode: listed but empty means off.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]
