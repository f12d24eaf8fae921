"""services.branding: the accent colour's variants keep text readable (≥ 4.5:1) on every
background of app.css, in both schemes, whatever colour an admin picks."""

from __future__ import annotations

import random

import pytest

from compartilha.services import branding

COLOURS = ["#4f46e5", "#ffffff", "#000000", "#ffff00", "#777777", "#808080", "#00ff00",
           "#ff0000", "#0000ff", "#7f7f00", "#1e90ff", "#eeeeee", "#111111"] + [
    f"#{random.Random(seed).randrange(1 << 24):06x}" for seed in range(200)]


@pytest.mark.parametrize("dark", [False, True])
def test_every_colour_keeps_aa_contrast(dark):
    grounds = branding.DARK_GROUNDS if dark else branding.LIGHT_GROUNDS
    for accent in COLOURS:
        p = branding.palette(accent, dark=dark)
        assert branding.contrast(p.primary, p.on_primary) >= 4.5, accent
        assert branding.contrast(p.primary_hover, p.on_primary) >= 4.5, accent
        for ground in (*grounds, p.primary_soft):
            assert branding.contrast(p.primary_text, ground) >= 4.5, (accent, ground)
        assert p.focus == p.primary_text


def test_the_default_colour_is_kept_where_it_reads_well():
    light = branding.palette("#4f46e5")
    assert light.primary == "#4f46e5" and light.on_primary == "#ffffff"
    assert branding.palette("#ffff00").on_primary == "#000000"  # yellow takes black text


def test_contrast_matches_wcag():
    assert round(branding.contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(branding.contrast("#777777", "#ffffff"), 2) == 4.48


def test_the_stylesheet_sets_every_variable_for_both_schemes():
    css = branding.stylesheet("#aa3300")
    for name in ("--primary:", "--primary-hover:", "--primary-text:", "--focus:",
                 "--on-primary:", "--primary-soft:"):
        assert css.count(name) == 2
    assert "prefers-color-scheme: dark" in css and "#aa3300" in css
    assert "--primary" not in branding.stylesheet("#4f46e5")  # app.css's own colours stay


def test_brand_reads_the_settings(app):
    with app.app_context():
        found = branding.brand()
        assert found["name"] == "Compartilha" and found["logo"] is None
        other = branding.brand({"site_name": "X", "accent_color": "#000000", "logo": None})
        assert other["css_version"] != found["css_version"]
