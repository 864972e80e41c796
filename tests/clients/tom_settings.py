"""The smallest Django settings under which TOM Toolkit's LCO facility runs, for ``tom_client.py``.

A TOM whose only facility is LCO, pointed at ``lco-validate serve``: the portal
URL comes from ``LCO_PORTAL_URL`` (the server's root, without ``/api``, as TOM
joins ``/api/...`` to it), any API key does.  An in-memory database holds the
target; nothing is written to disk.
"""

import os

from tom_common.default_settings import *  # noqa: F403  (TOM's mandatory apps and middleware)

SECRET_KEY = "lco-validate-client-tests-only"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
INSTALLED_APPS = TOMTOOLKIT_INSTALLED_APPS  # noqa: F405
MIDDLEWARE = TOMTOOLKIT_MIDDLEWARE  # noqa: F405
SITE_ID = 1
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
USE_TZ = True
TIME_ZONE = "UTC"
# No per-group permissions: the forms then have no "groups" field to fill.
TARGET_PERMISSIONS_ONLY = True
EXTRA_FIELDS: list[dict[str, str]] = []
HOOKS: dict[str, str] = {}  # no hook runs when the target is saved
TARGET_TYPE = "SIDEREAL"
FACILITIES = {
    "LCO": {"portal_url": os.environ.get("LCO_PORTAL_URL", ""), "api_key": "any-token"},
}
TOM_FACILITY_CLASSES = ["tom_observations.facilities.lco.LCOFacility"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
