"""A minimal Django set-up on one SQLite file: django.contrib.auth with its default password hashers,
used by tests/webapp.py to see whether users administered by `authctl --db` still authenticate.

Usage: setup(database_path) once per process, then import from django.contrib.auth as usual.
"""

import os

import django
from django.conf import settings


def setup(database_path):
    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.abspath(database_path)}
        },
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
        USE_TZ=True,
        SECRET_KEY="test",
    )
    django.setup()
