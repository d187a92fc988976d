"""``python -m videogen``: see :mod:`videogen.cli`."""

from __future__ import annotations

import sys

from videogen.cli import main

if __name__ == "__main__":
    sys.exit(main())
