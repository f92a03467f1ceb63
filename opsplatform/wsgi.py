"""WSGI entry point, for deployments that serve plain HTTP from a WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsplatform.settings.base")

application = get_wsgi_application()
