"""The app config: ``"icp_footer.django"`` in ``INSTALLED_APPS``."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class ICPFooterConfig(AppConfig):  # type: ignore[misc]  # Django ships no type hints
    """Registers the system check and makes the ``icp_footer`` template tags loadable."""

    name = "icp_footer.django"
    label = "icp_footer"
    verbose_name = "icp-footer"

    def ready(self) -> None:
        """Register :func:`icp_footer.django.checks.check_settings`."""
        from icp_footer.django.checks import check_settings  # noqa: PLC0415

        checks.register(check_settings)
