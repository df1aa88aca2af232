"""The Chinese font embedded in report PDFs: found once per process.

A PDF that only names a Chinese font shows boxes on a reader without it, so the PDF embeds (a subset of)
a real font file. Looked for in this order:

1. `REPORT_FONT` (a .ttf / .otf / .ttc path), for a deployment that prefers its own font;
2. the `noto-cjk-sans-otc` package from PyPI (a dependency in pyproject.toml, so `pip install` brings a
   font to any machine: Noto Sans CJK, SIL Open Font License);
3. the system's Noto Sans CJK (Debian's fonts-noto-cjk) or WenQuanYi.

In a collection (.ttc) the face whose name ends in "SC" (Simplified Chinese) is chosen, else the first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class NoChineseFont(RuntimeError):
    """No font with Chinese glyphs was found: install the package noto-cjk-sans-otc or set REPORT_FONT."""


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int  # the face in a collection (.ttc); 0 otherwise


def _candidates() -> list[str]:
    found = []
    if getattr(settings, "REPORT_FONT", ""):
        found.append(settings.REPORT_FONT)
    try:
        import noto_cjk_sans_otc

        found.append(str(noto_cjk_sans_otc.FONT_PATH))
    except ImportError:  # an installation without it still finds the system's fonts
        pass
    return [*found, *SYSTEM_FONTS]


def _simplified_face(path: str) -> int:
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        for index, face in enumerate(collection.fonts):
            family = face["name"].getDebugName(1) or ""
            if family.replace(" ", "").endswith("SC"):
                return index
    finally:
        collection.close()
    return 0


@functools.cache
def chinese_font() -> FontFile:
    """The first font file found (see the module's order); raises NoChineseFont if there is none."""
    for path in _candidates():
        if path and Path(path).is_file():
            return FontFile(path=path, index=_simplified_face(path))
    raise NoChineseFont(
        "No Chinese font found: pip install noto-cjk-sans-otc, or set REPORT_FONT to a "
        ".ttf/.otf/.ttc file with Chinese glyphs."
    )
