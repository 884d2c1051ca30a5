"""The footer as a template helper, for pages that place the number themselves.

``footer_markup(host, settings)`` gives the markup the middleware would insert on a home
page served for ``host``: the footer line, the red banner when the host has no number, or
``""`` for a domain set to ``none``. The framework integrations (the Jinja global, the
Django template tag) wrap it; the middleware then finds the number already shown and
inserts nothing.
"""

from __future__ import annotations

from icp_footer.config import Settings, display_name, normalise_host
from icp_footer.policy import markup
from icp_footer.render import FooterStyle

__all__ = ["footer_markup"]

_STYLE = FooterStyle(charset="utf-8", style_nonce=None, inline_style=True, xhtml=False)


def footer_markup(host: str | None, settings: Settings) -> str:
    """The HTML for ``host`` (a Host header value, port allowed), escaped, as text."""
    name = normalise_host(host) if host else None
    site = settings.site_for_name(name)
    return markup(site, settings, display_name(name) if name else None, _STYLE)
