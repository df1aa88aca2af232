"""Fixtures for the whole suite: the shared personas, a private media folder, an API client."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from serviceloop.core.translations import compile_translations


def pytest_configure(config):
    import django
    from django.conf import settings

    # Strong hashing costs ~0.3 s per user; tests create dozens. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django.setup()
    compile_translations()
    # Jobs run at once, in memory: a test sees their effects and no queue file is written.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _live_list_counts(settings):
    """Tests change tickets and look at the list again at once: counts are counted every time, except
    where a test turns the cache on to test it."""
    from django.core.cache import cache

    settings.LIST_COUNT_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_sla_caches():
    """Per-process SLA caches (calendars, the default version, version targets) must not carry one test's
    rows into the next: test databases roll back and may hand the same ids out again."""
    from serviceloop.sla import services

    services.clear_caches()
    yield
    services.clear_caches()


@pytest.fixture
def world(db):
    from tests.personas import build_world

    return build_world()


class ApiClient:
    """A JSON client for /api/v1 that speaks as one user (bearer token) in one language."""

    def __init__(self, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if token:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def _call(self, method: str, path: str, data=None, **extra):
        kwargs = {**self.headers, **extra}
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if method in ("get", "delete"):
            return getattr(self.client, method)(url, data or {}, **kwargs)
        body = data if isinstance(data, str | bytes) else json.dumps(data or {})
        return getattr(self.client, method)(url, body, content_type="application/json", **kwargs)

    def get(self, path, params=None, **extra):
        return self._call("get", path, params, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def delete(self, path, **extra):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.delete(url, **{**self.headers, **extra})

    def upload(self, path, file, **fields):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.post(url, {"file": file, **fields}, **self.headers)


@pytest.fixture
def api_as(world):
    """api_as("carol") → an ApiClient authenticated as that persona; api_as("carol", "zh-hans") in Chinese."""

    def make(username: str | None, language: str = "en") -> ApiClient:
        return ApiClient(world.token(username) if username else None, language)

    return make
