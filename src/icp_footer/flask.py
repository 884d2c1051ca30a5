"""Flask extension: ``ICPFooter(app)``, or ``ext = ICPFooter()`` and later ``ext.init_app(app)``.

``init_app`` reads the settings from ``app.config``, under the names of the environment
variables (``ICP_FOOTER_NUMBER``, ``ICP_FOOTER_DOMAINS``...), each one not set there (or set to
``None``) from ``os.environ``; wraps ``app.wsgi_app`` in
:class:`icp_footer.wsgi.ICPFooterMiddleware`; registers the template global ``icp_footer()``;
and registers itself as ``app.extensions["icp_footer"]``. A bad setting raises
:class:`icp_footer.config.ConfigError` there, naming the ``app.config`` key or the
environment variable it came from.

Calling ``init_app`` again on the same app reads the settings again and keeps the one
wrapper. ``app.wsgi_app = ICPFooterMiddleware(app.wsgi_app)`` remains the one-line
alternative: it reads only the environment and adds no template global.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

from flask import Flask, current_app, has_request_context, request
from markupsafe import Markup

from icp_footer._i18n import _
from icp_footer.config import _EXAMPLES, VARIABLES, ConfigError, Problem, Settings
from icp_footer.templating import footer_markup, request_host
from icp_footer.wsgi import ICPFooterMiddleware

__all__ = ["ICPFooter"]

_PREFIX = "ICP_FOOTER_"
# The statement of a problem config.load finds names its variable first.
_VARIABLE = re.compile(r"ICP_FOOTER_[A-Z_]+")


class ICPFooter:
    """Show the site's ICP (and PSB) number on its home page, configured from ``app.config``.

    One instance may serve several apps (the application-factory pattern): each app gets its
    own middleware and settings (:meth:`settings_for`).

    In templates, ``{{ icp_footer() }}`` renders the footer for the request's host (the
    banner if it has no number, nothing for a domain set to ``none``) as markup; the
    middleware then sees it and inserts nothing. Call it inside the site footer, or
    anywhere before the end of it. ``{{ icp_footer(charset="gbk") }}`` writes what the
    page's charset cannot hold as character references, for a page you encode yourself.
    Outside a request it renders the default number (or the banner naming no host).
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._middlewares: WeakKeyDictionary[Flask, ICPFooterMiddleware] = WeakKeyDictionary()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the settings, wrap ``app.wsgi_app`` (once) and register the template global."""
        from_config = {
            key: value
            for key in VARIABLES
            if (value := app.config.get(key)) is not None  # None: not set here
        }
        environ: dict[str, Any] = {
            key: value for key, value in os.environ.items() if key in VARIABLES
        }
        environ.update(from_config)
        problems = [_unknown(key) for key in app.config if _is_unknown(key)]

        previous = app.extensions.get("icp_footer")
        existing = previous._middlewares.get(app) if isinstance(previous, ICPFooter) else None
        try:
            fresh = ICPFooterMiddleware(
                existing.app if existing is not None else app.wsgi_app, environ=environ
            )
        except ConfigError as error:
            problems += [_name_source(p, from_config) for p in error.problems]
            raise ConfigError(problems) from None
        if problems:
            raise ConfigError(problems)

        middleware = existing if existing is not None else fresh

        def icp_footer(charset: str | None = None) -> Markup:
            settings = middleware.settings
            host = request_host(request, settings) if has_request_context() else None
            return Markup(footer_markup(host, settings, charset=charset))

        # First, as Flask refuses it once the app has served a request: then nothing changes.
        app.add_template_global(icp_footer, "icp_footer")
        if existing is not None:  # already wrapped: the wrapper takes the new settings
            existing.settings, existing.policy = fresh.settings, fresh.policy
        else:
            app.wsgi_app = fresh  # type: ignore[method-assign]
        self._middlewares[app] = middleware
        app.extensions["icp_footer"] = self

    def settings_for(self, app: Flask | None = None) -> Settings:
        """The settings ``app`` (default: the current app) was set up with."""
        if app is None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        middleware = self._middlewares.get(app)
        if middleware is None:
            raise RuntimeError(_("ICPFooter.init_app() was not called for this app"))
        return middleware.settings


def _is_unknown(key: object) -> bool:
    return isinstance(key, str) and key.startswith(_PREFIX) and key not in VARIABLES


def _unknown(key: str) -> str:
    # Every name shares the prefix: compare what follows it.
    names = [variable.removeprefix(_PREFIX) for variable in VARIABLES]
    guess = [_PREFIX + g for g in difflib.get_close_matches(key.removeprefix(_PREFIX), names, 1)]
    variable = guess[0] if guess else "ICP_FOOTER_NUMBER"
    example = _config_example(variable, _example_value(variable))
    if guess:
        message = _(
            'app.config["{key}"]: not an icp-footer setting; did you mean {guess}? '
            "Example: {example}"
        )
        return message.format(key=key, guess=guess[0], example=example)
    message = _(
        'app.config["{key}"]: not an icp-footer setting (they are {names}). Example: {example}'
    )
    return message.format(key=key, names=", ".join(VARIABLES), example=example)


def _example_value(variable: str) -> str:
    """The value in the example config.load shows for ``variable``."""
    return _EXAMPLES[variable].partition("=")[2].strip('"')


def _config_example(variable: str, value: str) -> str:
    return f'app.config["{variable}"] = {json.dumps(value, ensure_ascii=False)}'


def _name_source(problem: str, from_config: Mapping[str, Any]) -> str:
    """``problem`` naming where its setting came from: the app.config key or the environment.

    It must be a :class:`~icp_footer.config.Problem` whose statement starts with the
    variable and whose example sets it (``VARIABLE=VALUE``): in any language, the parts
    are read, not the words. Any other problem is returned as it is.
    """
    if not isinstance(problem, Problem) or problem.example is None:
        return problem
    match = _VARIABLE.match(problem.statement)
    if match is None:
        return problem
    variable = match[0]
    name, sep, value = problem.example.partition("=")
    if name != variable or not sep:
        return problem
    if variable not in from_config:
        return _("environment variable {problem}").format(problem=problem)
    what = problem.statement.removeprefix(variable)
    example = _config_example(variable, value.strip('"'))
    return Problem(f'app.config["{variable}"]{what}', example)
