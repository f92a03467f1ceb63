"""Settings for the test suite: the base settings, with fast hashing and eager tasks.

``DATABASE_URL`` and ``REDIS_URL`` are honoured, so CI runs the same suite on PostgreSQL and Redis.
"""

import os

from .base import *  # noqa: F403
from .base import API_AUTH_THROTTLE_RATE, REST_FRAMEWORK, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Ids come back after each test's rollback: a low limit would carry counts from one test into the next.
DOWNLOAD_RATE_LIMIT = "100000/min"
PUBLIC_FORM_RATE_LIMIT = "100000/min"
LOGIN_RATE_LIMIT = "100000/min"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"auth": API_AUTH_THROTTLE_RATE, "download": DOWNLOAD_RATE_LIMIT},
}
MEDIA_ROOT = VAR_DIR / "test-media"
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Live-server browser tests run the app in a second process: it cannot share an in-memory SQLite,
# and it finds the test database by its TEST name, so that name is always spelled out.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test run (inherited by the live server's child process), so runs side by side never collide.
    os.environ.setdefault("OPS_TEST_DB_FILE", str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3"))
    DATABASES["default"]["TEST"] = {"NAME": os.environ["OPS_TEST_DB_FILE"]}  # noqa: F405
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}  # noqa: F405
