"""Settings of the test project: icp-footer installed as the README says."""

from __future__ import annotations

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "icp-footer-test-project-only"
DEBUG = False
ALLOWED_HOSTS = [".example.cn", "example.com", "testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "icp_site.urls"
USE_TZ = True

INSTALLED_APPS = [
    "icp_footer.django",
]

MIDDLEWARE = [
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "icp_footer.django.ICPFooterMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

ICP_FOOTER = {
    "number": "京ICP备12345678号-1",
    "psb": "京公网安备 11010502030143号",
    # "/" and the pages the tests need as home pages; "/about/" is not one.
    "paths": [
        "/",
        "/async/",
        "/exact/",
        "/tagged/",
        "/stream/",
        "/stream-async/",
        "/file/",
        "/json/",
        "/missing/",
    ],
}
