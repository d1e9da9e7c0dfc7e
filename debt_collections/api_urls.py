"""Staff API v1 routes (mounted at ``/api/v1/`` by ``config.urls``); reverse as ``api:<name>``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from debt_collections import api, api_contacts

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token"),
    path("cases/", api.CaseListView.as_view(), name="case-list"),
    path("cases/<int:id>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:id>/transitions/", api.CaseTransitionView.as_view(), name="case-transitions"),
    path(
        "cases/<int:id>/contact-attempts/",
        api_contacts.CaseContactAttemptsView.as_view(),
        name="case-contact-attempts",
    ),
    path("cases/<int:id>/notices/", api_contacts.CaseNoticesView.as_view(), name="case-notices"),
]
