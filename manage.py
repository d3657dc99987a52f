#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys

# Commands that only run the rewards engine: they sign nothing and serve nothing, so without a
# configured secret key they get a throwaway one (`recommend --catalog FILE` on a fresh checkout).
ENGINE_COMMANDS = ("recommend", "roadmap")


def main() -> None:
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcard_guru.settings")
    engine_command = sys.argv[1:2] and sys.argv[1] in ENGINE_COMMANDS
    if engine_command and not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
