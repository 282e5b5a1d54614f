"""The production settings, less one thing the browser tests never look at.

``CompressedStaticFilesStorage`` brotli-compresses every admin and API-doc asset on each
``collectstatic``, a minute or more of the run's budget on a fresh database. The same
files are served uncompressed instead; every other setting is the production one.
"""

from linli.settings import *  # noqa: F403
from linli.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
