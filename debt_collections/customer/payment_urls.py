"""Mounted at ``/payments/`` by ``config.urls``."""

from __future__ import annotations

from django.urls import path

from debt_collections.customer import payment_views as views

app_name = "payments"

urlpatterns = [
    path("webhook/<str:provider>/", views.webhook, name="webhook"),
    path("test/<str:reference>/", views.test_checkout, name="test-checkout"),
]
