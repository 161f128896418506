"""Settings of the client tests' Django project.

The database comes from the environment (test/clients/test_django.py sets
it); what follows DATABASES is what the README shows.
"""
import os

SECRET_KEY = "defaults_policy client tests"
INSTALLED_APPS = ["shop"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DJANGO_DB_NAME", "shop"),
        "USER": os.environ.get("DJANGO_DB_USER", "migrator"),
        "PASSWORD": os.environ.get("DJANGO_DB_PASSWORD", ""),
        "HOST": os.environ.get("PGHOST", "localhost"),
        "PORT": os.environ.get("PGPORT", "5432"),
    }
}

# the extension's lock waits: each attempt at most 500 ms, 10 retries
DATABASES["default"]["OPTIONS"] = {
    "options": "-c defaults_policy.lock_timeout=500 -c defaults_policy.lock_retries=10",
}
# manage.py test: the test database is a copy of a template that has the extension
DATABASES["default"]["TEST"] = {"TEMPLATE": "template_defaults_policy"}

# the tests' own lock settings
if "DJANGO_DB_OPTIONS" in os.environ:
    DATABASES["default"]["OPTIONS"]["options"] = os.environ["DJANGO_DB_OPTIONS"]
