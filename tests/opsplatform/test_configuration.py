"""The embedded default needs nothing installed; DATABASE_URL and REDIS_URL switch to the real services."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _settings_under(env: dict[str, str]) -> dict[str, object]:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
        "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], 'cache': settings.CACHES['default']['BACKEND'], "
        "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, "
        "'email': settings.EMAIL_BACKEND}))"
    )
    clean = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="opsplatform.settings.base")
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_no_environment_means_embedded_mode(tmp_path):
    embedded = _settings_under({"OPS_VAR_DIR": str(tmp_path)})
    assert embedded == {
        "engine": "django.db.backends.sqlite3",
        "layer": "channels.layers.InMemoryChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
    }


def test_service_urls_switch_to_postgresql_and_redis(tmp_path):
    switched = _settings_under(
        {
            "OPS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u:p@db.internal:5432/ops",
            "REDIS_URL": "redis://cache.internal:6379/1",
        }
    )
    assert switched["engine"] == "django.db.backends.postgresql"
    assert switched["layer"] == "opsplatform.channel_layer.RedisChannelLayer"
    assert switched["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert switched["broker"] == "redis://cache.internal:6379/1"
    assert switched["eager"] is False


def test_production_settings_refuse_the_embedded_secret(tmp_path):
    clean = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    clean.update(OPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="opsplatform.settings.production")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(OPS_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="opsplatform.settings.production")
    env["DJANGO_SECRET_KEY"] = uuid.uuid4().hex * 2
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout, result.stdout


def test_production_settings_harden_cookies_headers_and_the_content_policy(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        OPS_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="opsplatform.settings.production",
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        SITE_URL="https://ops.example.org",
    )
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({name: getattr(settings, name) for name in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', "
        "'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'CONTENT_SECURITY_POLICY')}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    hardened = json.loads(output.stdout.strip().splitlines()[-1])
    assert hardened["SESSION_COOKIE_SECURE"]
    assert hardened["CSRF_COOKIE_SECURE"]
    assert hardened["SESSION_COOKIE_HTTPONLY"]
    assert hardened["SECURE_HSTS_SECONDS"] >= 31536000
    assert hardened["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert hardened["X_FRAME_OPTIONS"] == "DENY"
    assert hardened["SECURE_REFERRER_POLICY"] == "same-origin"
    directives = hardened["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["connect-src"] == ["'self'", "wss://ops.example.org"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_the_database_in_use_is_the_configured_one():
    expected = "postgresql" if settings.DATABASE_URL.startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_cache_round_trip_through_the_configured_backend():
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, {"ok": 1}, 30)
    assert cache.get(key) == {"ok": 1}
    cache.delete(key)
    if settings.REDIS_URL:
        import redis

        assert redis.Redis.from_url(settings.REDIS_URL).ping()


def test_channel_layer_delivers_a_group_message():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    group = f"probe-{uuid.uuid4().hex}"
    async_to_sync(layer.group_add)(group, channel)
    async_to_sync(layer.group_send)(group, {"type": "probe", "value": 42})
    assert async_to_sync(layer.receive)(channel) == {"type": "probe", "value": 42}
    async_to_sync(layer.group_discard)(group, channel)
