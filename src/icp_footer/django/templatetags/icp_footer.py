"""``{% load icp_footer %}`` then ``{% icp_footer %}``: the footer, placed by the template.

It renders what the middleware would insert for the current request's host (the footer line,
the banner when the host has no number, or nothing for a domain set to ``none``); the
middleware then finds it already shown and inserts nothing. The host is taken from
``request`` in the context (the ``django.template.context_processors.request`` context
processor puts it there); without one it renders for no host. Characters the page's charset
(``settings.DEFAULT_CHARSET``, or ``{% icp_footer charset="gbk" %}``) cannot hold come out
as numeric character references.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings as django_settings
from django.utils.safestring import SafeString, mark_safe

from icp_footer.django.conf import current_settings
from icp_footer.django.middleware import request_host
from icp_footer.templating import footer_markup

__all__ = ["icp_footer", "register"]

register = template.Library()


def icp_footer(context: Any, charset: str | None = None) -> SafeString:
    """The footer markup for the host of ``context["request"]`` (escaped: safe to mark)."""
    settings = current_settings()
    request = context.get("request")
    host = request_host(request, settings) if request is not None else None
    chosen = charset or django_settings.DEFAULT_CHARSET
    # footer_markup escapes what it shows.
    return mark_safe(footer_markup(host, settings, charset=chosen))


register.simple_tag(icp_footer, takes_context=True)
