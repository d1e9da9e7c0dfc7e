from __future__ import annotations

from django.urls import URLPattern, URLResolver

# Placeholder until the workspace views land (the compliance helper replaces this file).
app_name = "compliance"
urlpatterns: list[URLPattern | URLResolver] = []
