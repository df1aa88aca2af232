"""Compile the committed .po files to .mo at install or start, without needing GNU gettext.

Only .po files are committed; a fresh machine may not have msgfmt, so polib does the compiling.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def compile_translations() -> list[Path]:
    """Write each .mo whose .po is newer; returns the files written."""
    written = []
    for base in settings.LOCALE_PATHS:
        for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    if written:
        _forget_loaded_catalogues()
    return written


def _forget_loaded_catalogues() -> None:
    """Django caches a language's catalogue on first use; one loaded before the .mo existed is empty.

    Python's gettext keeps its own cache of parsed .mo files by path: without clearing it too, a run
    right after a .po edit still reads the previous .mo's strings (its new ones show in English).
    """
    import gettext

    from asgiref.local import Local
    from django.utils.translation import trans_real

    gettext._translations.clear()

    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
