"""Text contrast of the colour tokens (static/css/app.css :root), computed as WCAG 2.x defines it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"
NORMAL_TEXT = 4.5


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS.read_text(), re.S)
    assert root is not None
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", root.group(1)))


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The grey the issue measured: below the line, so the token had to change.
    assert contrast("#6b7280", "#f5f6f8") == pytest.approx(4.47, abs=0.01)


# (text token, background token or literal): every pairing the pages use for running text. The
# tints are the flash, chip and status backgrounds of the app's stylesheets.
PAIRS = [
    ("ink", "bg"),
    ("ink", "card"),
    ("muted", "bg"),
    ("muted", "card"),
    ("muted", "#f3f4f6"),  # a compliance message bubble
    ("muted", "#e0f2fe"),  # an outgoing message bubble
    ("muted", "#fdecec"),  # a customer tag chip
    ("brand", "card"),
    ("brand", "bg"),
    ("brand", "#fdecec"),
    ("#ffffff", "brand"),  # the top bar, primary buttons
    ("#ffffff", "brand-dark"),
    ("ok", "card"),
    ("ok", "#ecfdf5"),  # a success flash
    ("danger", "card"),
    ("danger", "#fef2f2"),  # an error flash
    ("warn", "card"),
    ("warn", "#fff7ed"),  # a warning status
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_on_its_background_reaches_4_5_to_1(text, background):
    colours = tokens()
    fg = colours.get(text, text)
    bg = colours.get(background, background)
    assert fg.startswith("#") and bg.startswith("#"), f"unknown token in {text} / {background}"
    assert contrast(fg, bg) >= NORMAL_TEXT, f"{text} {fg} on {background} {bg}: {contrast(fg, bg):.2f}:1"
