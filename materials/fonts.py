"""Find a font that draws Chinese. Debian's fonts-noto-cjk is what the project installs (.ci/run)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from PIL import ImageFont

# (path, face index inside a .ttc): index 2 of Noto Sans CJK is the Simplified Chinese face.
CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]


class FontMissing(ImproperlyConfigured):
    pass


@lru_cache(maxsize=1)
def cjk_font_path() -> tuple[str, int]:
    configured = settings.RM_CJK_FONT
    if configured:
        if not Path(configured).is_file():
            raise FontMissing(f"RM_CJK_FONT={configured} is not a file")
        return configured, settings.RM_CJK_FONT_INDEX
    for path, index in CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise FontMissing(
        "No CJK font found for posters: install Debian's fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) or set RM_CJK_FONT to a .ttf/.otf/.ttc file"
    )


@lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    path, index = cjk_font_path()
    return ImageFont.truetype(path, size, index=index)
