"""Django settings for running the LCO Observation Portal as a test oracle.

The portal's own test settings (dummy caches, a stub task broker: no Redis or
OpenSearch) with the database from the ``DB_*`` environment variables that
``setup.sh`` exports.  configdb and downtimedb are not reached over HTTP: the
worker answers them in memory.
"""

import os

from observation_portal.test_settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "lco_oracle"),
        "USER": os.environ.get("DB_USER", "lco_oracle"),
        "PASSWORD": os.environ.get("DB_PASSWORD", "lco_oracle"),
        "HOST": os.environ.get("DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DB_PORT", "5432"),
    }
}
CONFIGDB_URL = "http://configdb.invalid"
DOWNTIMEDB_URL = "http://downtimedb.invalid/"
