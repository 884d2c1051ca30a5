"""``manage.py check`` for icp-footer: the problems that would stop startup, and two warnings.

* ``icp_footer.E001``: a value :func:`icp_footer.config.load` refuses (a malformed number, a bad
  path...), from ``settings.ICP_FOOTER`` or the environment; one message per problem.
* ``icp_footer.E002``: ``settings.ICP_FOOTER`` itself is wrong (not a dict, an unknown key, a
  value of the wrong type).
* ``icp_footer.W001``: no number and no domain entry: every home page shows the red banner
  (or, with ``missing`` off, nothing).
* ``icp_footer.W002``: the middleware sits above ``GZipMiddleware`` or
  ``ConditionalGetMiddleware`` in ``settings.MIDDLEWARE``.
"""

from __future__ import annotations

import os
from typing import Any

from django.apps import apps
from django.conf import settings as django_settings
from django.core import checks

from icp_footer._i18n import N_, _
from icp_footer.config import ConfigError, Problem, load
from icp_footer.django.conf import SETTING, read_options, settings_example

__all__ = ["check_settings"]

_MIDDLEWARE = frozenset(
    {"icp_footer.django.ICPFooterMiddleware", "icp_footer.django.middleware.ICPFooterMiddleware"}
)
_ABOVE = {
    "django.middleware.gzip.GZipMiddleware": N_(
        "GZipMiddleware compresses after it, so it sees the page compressed and has to decode "
        "and re-encode it"
    ),
    "django.middleware.http.ConditionalGetMiddleware": N_(
        "ConditionalGetMiddleware computes the ETag and answers 304 before the number is "
        "inserted, so the ETag does not change when the number does"
    ),
}


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The system check: every problem with the icp-footer settings (see the module)."""
    if not apps.is_installed("icp_footer.django"):  # registered, then uninstalled (tests)
        return []
    options, shape = read_options()
    messages: list[checks.CheckMessage] = [
        checks.Error(_text(problem), hint=settings_example(problem), id="icp_footer.E002")
        for problem in shape
    ]
    try:
        loaded = load(os.environ, **options)
    except ConfigError as error:
        messages += [
            checks.Error(_text(problem), hint=settings_example(problem), id="icp_footer.E001")
            for problem in error.problems
        ]
    else:
        if loaded.default is None and not loaded.domains and not shape:
            if loaded.missing == "banner":
                text = _("No ICP number is set: every home page shows the red warning banner.")
            else:
                text = _("No ICP number is set: every home page shows no number.")
            hint = _(
                'Set {setting} = {example} or "domains" entries in settings (or '
                "ICP_FOOTER_NUMBER, ICP_FOOTER_DOMAINS in the environment)."
            ).format(setting=SETTING, example='{"number": "京ICP备12345678号-1"}')
            messages.append(checks.Warning(text, hint=hint, id="icp_footer.W001"))
    return messages + _order()


def _text(problem: str) -> str:
    """The problem without the example it ends with (the example becomes the hint)."""
    if isinstance(problem, Problem):
        return _("{statement}.").format(statement=problem.statement)
    text, found, _rest = problem.rpartition(". Example: ")
    return f"{text}." if found else problem


def _order() -> list[checks.CheckMessage]:
    middleware = [str(name) for name in getattr(django_settings, "MIDDLEWARE", None) or ()]
    ours = next((i for i, name in enumerate(middleware) if name in _MIDDLEWARE), None)
    if ours is None:
        return []
    return [
        checks.Warning(
            _("ICPFooterMiddleware is above {name} in MIDDLEWARE: {why}.").format(
                name=name.rsplit(".", 1)[1], why=_(why)
            ),
            hint=_("Move it below {name}.").format(name=name),
            id="icp_footer.W002",
        )
        for name, why in _ABOVE.items()
        if name in middleware[ours + 1 :]
    ]
