#!/usr/bin/env python
"""Django's command-line utility for the test project: ``python manage.py check``."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a management command with the test project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icp_site.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
