from __future__ import annotations

import os

from celery import Celery

from ops.logs import connect_celery, log_format_from_env

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("collections")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks log the request id of whatever queued them; in production (JSON logs) the worker keeps Django's
# LOGGING instead of installing Celery's own text handlers.
connect_celery(app, configure_logging=log_format_from_env() == "json")
