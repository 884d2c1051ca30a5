"""The test project's pages."""

from __future__ import annotations

from django.urls import path

from icp_site import views

urlpatterns = [
    path("", views.home),
    path("async/", views.async_home),
    path("about/", views.home),
    path("exact/", views.exact),
    path("tagged/", views.tagged),
    path("stream/", views.stream),
    path("stream-async/", views.stream_async),
    path("file/", views.file),
    path("json/", views.json),
    path("missing/", views.missing),
]
