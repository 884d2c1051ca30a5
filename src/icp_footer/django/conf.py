"""``settings.ICP_FOOTER``, read the way :func:`icp_footer.config.load` reads the environment.

The keys are the keyword names of :func:`~icp_footer.config.load` (the variable names without
``ICP_FOOTER_``, lower-cased, and ``lookbehind_limit``); a key not set there, or set to
``None``, falls back to its ``ICP_FOOTER_*`` environment variable.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Mapping, Set
from typing import Any

from django.conf import settings as django_settings

from icp_footer._i18n import N_, _
from icp_footer.config import _OVERRIDES, VARIABLES, ConfigError, Problem, Settings, load

__all__ = [
    "EXAMPLE",
    "KEYS",
    "SETTING",
    "current_settings",
    "load_settings",
    "read_options",
    "settings_example",
]

SETTING = "ICP_FOOTER"
KEYS: tuple[str, ...] = (
    *_OVERRIDES,
    *(
        name
        for name, parameter in inspect.signature(load).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "clock"
    ),
)
"""The keys ``settings.ICP_FOOTER`` accepts: the keywords of :func:`load` (but ``clock``)."""
EXAMPLE = 'ICP_FOOTER = {"number": "京ICP备12345678号-1", "psb": "京公网安备 11010502030143号"}'

_TEXT: tuple[type, ...] = (str,)
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "domains": ((str, Mapping), N_("a str or a dict of domain to number")),
    "domains_file": ((str, os.PathLike), N_("a path")),
    "reload_interval": ((int, float), N_("a number of seconds")),
    "paths": ((str, list, tuple, Set), N_("a str or a list of str")),
    "strict": ((bool, int, str), N_("a bool")),
    "trust_forwarded_host": ((bool, int, str), N_("a bool")),
    "lookbehind_limit": ((int, str), N_("an int")),
}
_KEY_OF = {variable: key for key, variable in _OVERRIDES.items()}
_cache: tuple[tuple[str, tuple[str | None, ...]], Settings] | None = None


def read_options() -> tuple[dict[str, Any], list[str]]:
    """The usable entries of ``settings.ICP_FOOTER``, and a problem for each unusable one."""
    options = getattr(django_settings, SETTING, None)
    if options is None:
        return {}, []
    if not isinstance(options, Mapping):
        kind = type(options).__name__
        what = _("settings.{setting} must be a dict, not {kind}").format(setting=SETTING, kind=kind)
        return {}, [Problem(what, EXAMPLE)]
    usable: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in options.items():
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            names = {"setting": SETTING, "key": repr(key), "keys": ", ".join(KEYS)}
            if close:
                what = _(
                    'settings.{setting} key {key} is not a setting (did you mean "{close}"?); '
                    "the keys are {keys}"
                ).format(close=close[0], **names)
            else:
                what = _(
                    "settings.{setting} key {key} is not a setting; the keys are {keys}"
                ).format(**names)
            problems.append(Problem(what, EXAMPLE))
            continue
        types, wanted = _TYPES.get(key, (_TEXT, N_("a str")))
        if value is not None and not isinstance(value, types):
            what = _("settings.{setting}[{key}] is {type} {value}; give {wanted}").format(
                setting=SETTING,
                key=repr(key),
                type=type(value).__name__,
                value=repr(value),
                wanted=_(wanted),
            )
            problems.append(Problem(what, EXAMPLE))
            continue
        usable[key] = value
    return usable, problems


def load_settings() -> Settings:
    """Build the settings from ``settings.ICP_FOOTER`` and the environment.

    Raises :class:`~icp_footer.config.ConfigError` listing every problem, those of
    ``settings.ICP_FOOTER`` itself first.
    """
    options, problems = read_options()
    try:
        loaded = load(os.environ, **options)
    except ConfigError as error:
        problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return loaded


def current_settings() -> Settings:
    """:func:`load_settings`, built again only when its inputs changed.

    The inputs are ``settings.ICP_FOOTER`` and the ``ICP_FOOTER_*`` variables, compared on
    each call (a few microseconds), so ``override_settings`` and a changed environment are
    both seen.
    """
    global _cache  # noqa: PLW0603 - one entry, replaced whole: safe between threads
    key = (
        repr(getattr(django_settings, SETTING, None)),
        tuple(os.environ.get(variable) for variable in VARIABLES),
    )
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    loaded = load_settings()
    _cache = (key, loaded)
    return loaded


def settings_example(problem: str) -> str:
    """The example a :class:`ConfigError` problem ends with, also as ``settings.ICP_FOOTER``."""
    if isinstance(problem, Problem):
        if problem.example is None:
            return EXAMPLE
        example = problem.example
    else:
        _start, found, example = problem.rpartition(". Example: ")
        if not found:
            return EXAMPLE
    if example.startswith(f"{SETTING} = "):
        return example
    variable, _equals, value = example.partition("=")
    key = _KEY_OF.get(variable) or (variable if variable in KEYS else None)
    if key is None:
        return example
    value = value.strip().strip('"')
    if key == "domains":
        entries = (entry.strip().partition("=") for entry in value.split(";"))
        shown = ", ".join(f'"{domain}": "{number}"' for domain, _eq, number in entries)
        literal = "{" + shown + "}"
    elif value.isdigit():
        literal = value
    else:
        literal = f'"{value}"'
    return _("{setting} (or the environment: {example})").format(
        setting=f'{SETTING} = {{"{key}": {literal}}}', example=example
    )
