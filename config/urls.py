from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import ops
from config.views import staff_login
from notifications.views import opt_out

urlpatterns = [
    # Operations (config/ops.py): liveness, readiness, Prometheus metrics (not public by default).
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Before the admin's own URLs: compliance officers land on their workspace after logging in.
    path("admin/login/", staff_login, name="staff-login"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from our own static files (drf-spectacular-sidecar) and its setup script from a URL of its
    # own, so the Content-Security-Policy needs no CDN and no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("debt_collections.api.urls")),
    path("o/<str:token>/", opt_out, name="opt-out"),
    path("n/", include("debt_collections.customer.urls")),
    path("payments/", include("debt_collections.customer.payment_urls")),  # issue 14
    path("compliance/", include("compliance.urls")),
]

# Humane, bilingual error pages (issue 12); with DEBUG on, config.errors.HumaneErrorsMiddleware does the same.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
