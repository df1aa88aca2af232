"""The `serviceloop` command: every Django management command, with the project's settings preset.

`serviceloop run`, `serviceloop demo`, `serviceloop createuser`, `serviceloop createtoken` are
management commands of the domain apps; `serviceloop migrate` etc. work as in manage.py.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
