#!/usr/bin/env python
"""Django's command-line utility; `serviceloop` is the installed equivalent."""

import sys

from serviceloop.core.cli import main

if __name__ == "__main__":
    sys.exit(main())
