import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
application = get_wsgi_application()

# Import every view now (Django would on the first request), then move all these long-lived objects
# out of the collector's reach: a full collection otherwise walks them all, stopping every thread
# of the worker for tens of milliseconds, and under load that pause lands on the requests in flight.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
