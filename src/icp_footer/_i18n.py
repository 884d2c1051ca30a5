"""Messages in the reader's language: the standard library's gettext, with the catalogue
in the package (``locale/zh_CN/LC_MESSAGES/icp_footer.mo``, built from the ``.po`` beside it).

Chinese when the locale says so (``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, the first one set,
starting with ``zh``), English otherwise; ``icp-footer --lang zh|en`` overrides it.
Messages are written in English in the code and wrapped in :func:`_`; text built at import
time is marked with :func:`N_` and translated where it is shown.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "language",
    "set_language",
    "translation",
]

DOMAIN = "icp_footer"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "zh")
"""What ``set_language`` (and ``icp-footer --lang``) accepts."""

_chosen: str | None = None  # set by set_language (the CLI's --lang)


def language(environ: Mapping[str, str] | None = None) -> str:
    """``"zh"`` or ``"en"``: the override if one was set, else what the locale says."""
    if _chosen is not None and environ is None:
        return _chosen
    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> None:
    """Use ``lang`` (``"zh"`` or ``"en"``) from now on; ``None`` follows the locale again."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    global _chosen  # noqa: PLW0603 - one process-wide choice, as the locale itself is
    _chosen = lang


@functools.lru_cache(maxsize=4)
def translation(lang: str) -> gettext.NullTranslations:
    """The catalogue for ``lang`` (English is the messages as written)."""
    if lang == "zh":
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=["zh_CN"], fallback=True)
    return gettext.NullTranslations()


def _(message: str) -> str:
    """``message`` in the reader's language."""
    return translation(language()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the no-op marker
    """Mark ``message`` for the catalogue without translating it now."""
    return message
