"""The JSON API (django-ninja). Each app contributes a router from its ``api.py``."""

from importlib import import_module

from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="linli API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
)

for _app in ("places", "people", "hotline", "care", "insights"):
    _module = import_module(f"{_app}.api")
    api.add_router(f"/{_app}/", _module.router)
