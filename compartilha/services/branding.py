"""The instance's look from its settings: name, logo, and a stylesheet whose colours come
from the accent colour, adjusted so that text on them (and they, as text) keep a contrast
of at least 4.5:1 (WCAG AA) in the light and the dark scheme, whatever colour is chosen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from . import settings

AA = 4.5
WHITE, BLACK = "#ffffff", "#000000"
# app.css's backgrounds that the accent's text sits on (light, then dark scheme).
LIGHT_GROUNDS = ("#ffffff", "#f6f7fb", "#f1f2f8")
DARK_GROUNDS = ("#171a2e", "#0e1020", "#1f2339")
DARK_SURFACE = "#171a2e"
APP_ACCENT = "#4f46e5"  # app.css's --primary (ACCENT_COLOR's default)
BRAND_KEYS = ["site_name", "accent_color", "logo"]

RGB = tuple[float, float, float]


def _rgb(color: str) -> RGB:
    return (int(color[1:3], 16) / 255, int(color[3:5], 16) / 255, int(color[5:7], 16) / 255)


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def _luminance(color: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(color: str, toward: str, amount: float) -> str:
    """`color` moved `amount` (0..1) of the way to `toward`."""
    a, b = _rgb(color), _rgb(toward)
    return _hex((a[0] + (b[0] - a[0]) * amount, a[1] + (b[1] - a[1]) * amount,
                 a[2] + (b[2] - a[2]) * amount))


def _until(color: str, toward: str, grounds: tuple[str, ...], ratio: float = AA) -> str:
    """`color` moved toward `toward` in small steps until it contrasts `ratio` with every
    one of `grounds` (at the end it is `toward`, black or white, which always does)."""
    for step in range(21):
        candidate = mix(color, toward, step / 20)
        if all(contrast(candidate, ground) >= ratio for ground in grounds):
            return candidate
    return toward


@dataclass(frozen=True)
class Palette:
    primary: str
    primary_hover: str
    on_primary: str
    primary_text: str
    primary_soft: str
    focus: str


def palette(accent: str, *, dark: bool = False) -> Palette:
    """The colours of one scheme. Buttons: the accent with the text colour (white or
    black) that contrasts most, and a hover further from it; text: the accent darkened
    (lightened in the dark scheme) until it reads on every background and its soft tint."""
    if dark:  # light buttons on the dark background, as app.css's own dark scheme has
        primary = _until(accent, WHITE, DARK_GROUNDS)
        soft = mix(primary, DARK_SURFACE, 0.75)
        text = _until(primary, WHITE, DARK_GROUNDS + (soft,))
    else:
        primary = accent
        soft = mix(accent, WHITE, 0.88)
        text = _until(accent, BLACK, LIGHT_GROUNDS + (soft,))
    on = WHITE if contrast(primary, WHITE) >= contrast(primary, BLACK) else BLACK
    if contrast(primary, on) < AA:  # mid-tones: move the button away from its text
        primary = _until(primary, BLACK if on == WHITE else WHITE, (on,))
    hover = _until(mix(primary, BLACK if on == WHITE else WHITE, 0.15),
                   BLACK if on == WHITE else WHITE, (on,))
    return Palette(primary, hover, on, text, soft, text)


def _block(p: Palette) -> str:
    return (f"--primary: {p.primary}; --primary-hover: {p.primary_hover}; "
            f"--on-primary: {p.on_primary}; --primary-text: {p.primary_text}; "
            f"--primary-soft: {p.primary_soft}; --focus: {p.focus};")


def stylesheet(accent: str) -> str:
    """The stylesheet linked after app.css: its accent variables for both schemes (none
    for app.css's own accent, whose hand-picked colours stay)."""
    if accent == APP_ACCENT:
        return "/* the accent of app.css */\n"
    return (f":root {{ {_block(palette(accent))} }}\n"
            f"@media (prefers-color-scheme: dark) {{ :root {{ "
            f"{_block(palette(accent, dark=True))} }} }}\n")


def brand(found: dict[str, Any] | None = None) -> dict[str, Any]:
    """What every page shows of the instance: its name, the version of its stylesheet
    (changes with the colour), and its logo's version (None: none). `found`: the settings
    of BRAND_KEYS when the caller has read them already."""
    found = found or settings.values(BRAND_KEYS)
    accent = found["accent_color"]
    logo = found["logo"]
    return {"name": found["site_name"], "accent": accent, "css_version": css_version(accent),
            "logo": None if logo is None else logo["etag"]}


def css_version(accent: str) -> str:
    """The version `/branding.css` is linked with: it changes with the colour."""
    return hashlib.sha256(accent.encode()).hexdigest()[:12]
