"""Draw the demo vendor's logo and the demo staff's avatars (Pillow).

    .venv/bin/python scripts/demo_images.py

Writes PNGs to rma_unex/demo/img/, which only the demo data loads: a
fictional brand ("unex networks", in the colours of the addon's icon) and
neutral silhouettes, no real company's mark and no real person's photo.
The PNGs are committed; run this again only to change them.
"""

import pathlib

from PIL import Image, ImageDraw, ImageFont

OUT = pathlib.Path(__file__).resolve().parent.parent / "rma_unex" / "demo" / "img"
FONTS = pathlib.Path("/usr/share/fonts/truetype/liberation")
NAVY = (21, 65, 113)  # the icon's gradient, from navy ...
TEAL = (18, 116, 137)  # ... to teal
AMBER = (255, 184, 28)  # and its arrow
SCALE = 4  # drawn large, then reduced: smooth edges without anti-aliasing


def _font(name, size):
    return ImageFont.truetype(str(FONTS / name), size * SCALE)


def _mark(draw, x, y, size):
    """A rounded tile with a white "u" and two signal arcs above its stem."""
    s = SCALE
    x, y, size = x * s, y * s, size * s
    draw.rounded_rectangle(
        (x, y, x + size, y + size), radius=size // 5, fill=NAVY + (255,)
    )
    stroke = size // 10
    left, right = x + size * 0.26, x + size * 0.66
    top, bottom = y + size * 0.48, y + size * 0.84
    half = (right - left) / 2
    white = (255, 255, 255, 255)
    draw.arc((left, bottom - 2 * half, right, bottom), 0, 180, fill=white, width=stroke)
    for stem in (left, right - stroke):
        draw.rectangle((stem, top, stem + stroke, bottom - half), fill=white)
    # the signal: a dot and two arcs, above the right stem
    cx, cy = right - stroke / 2, y + size * 0.36
    dot = size * 0.05
    draw.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=AMBER + (255,))
    for radius in (size * 0.15, size * 0.25):
        draw.arc(
            (cx - radius, cy - radius, cx + radius, cy + radius),
            222,
            318,
            fill=AMBER + (255,),
            width=int(size * 0.055),
        )


def logo():
    """The wordmark: the tile, "unex" and NETWORKS, on transparency."""
    width, height = 560, 160
    image = Image.new("RGBA", (width * SCALE, height * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _mark(draw, 8, 8, 144)
    draw.text(
        (176 * SCALE, 2 * SCALE),
        "unex",
        font=_font("LiberationSans-Bold.ttf", 104),
        fill=NAVY + (255,),
    )
    small = _font("LiberationSans-Bold.ttf", 27)
    x = 182 * SCALE
    for letter in "NETWORKS":
        draw.text((x, 116 * SCALE), letter, font=small, fill=TEAL + (255,))
        x += int(draw.textlength(letter, font=small)) + 9 * SCALE
    # trim the unused width on the right
    right = image.getbbox()[2] + 8 * SCALE
    image = image.crop((0, 0, right, height * SCALE))
    image = image.resize((right // SCALE, height), Image.LANCZOS)
    image.save(OUT / "company_logo.png", optimize=True)


# (file, background, shirt, long hair): a neutral silhouette per staff user
AVATARS = [
    ("user_sales.png", (31, 122, 140), (245, 245, 245), True),
    ("user_fae.png", (68, 96, 160), (232, 236, 242), False),
    ("user_quality.png", (70, 130, 90), (240, 240, 232), False),
    ("user_manager.png", (120, 80, 140), (36, 48, 64), True),
    ("user_warehouse.png", (176, 112, 48), (52, 72, 96), False),
    ("user_accounting.png", (90, 100, 112), (250, 250, 250), False),
]
SKIN = (236, 214, 196)
HAIR = (58, 48, 44)


def avatar(name, background, shirt, long_hair):
    """Head and shoulders on a soft two-tone background."""
    size = 256 * SCALE
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    lighter = tuple(min(255, c + 28) for c in background)
    draw.ellipse((-size // 2, -size, size * 3 // 2, size * 2 // 3), fill=lighter)
    c = size // 2
    if long_hair:  # behind the shoulders
        draw.rounded_rectangle(
            (c - 0.21 * size, 0.30 * size, c + 0.21 * size, 0.78 * size),
            radius=int(0.08 * size),
            fill=HAIR,
        )
    # shoulders and collar
    draw.ellipse(
        (c - 0.42 * size, 0.70 * size, c + 0.42 * size, 1.35 * size), fill=shirt
    )
    draw.polygon(
        [
            (c - 0.09 * size, 0.70 * size),
            (c, 0.80 * size),
            (c + 0.09 * size, 0.70 * size),
        ],
        fill=SKIN,
    )
    # neck, hair behind the head, head
    draw.rectangle(
        (c - 0.07 * size, 0.55 * size, c + 0.07 * size, 0.72 * size), fill=SKIN
    )
    draw.ellipse(
        (c - 0.19 * size, 0.16 * size, c + 0.19 * size, 0.55 * size), fill=HAIR
    )
    draw.ellipse(
        (c - 0.165 * size, 0.22 * size, c + 0.165 * size, 0.62 * size), fill=SKIN
    )
    draw.chord(
        (c - 0.19 * size, 0.15 * size, c + 0.19 * size, 0.45 * size),
        180,
        360,
        fill=HAIR,
    )
    image = image.resize((256, 256), Image.LANCZOS)
    image.save(OUT / name, optimize=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    logo()
    for spec in AVATARS:
        avatar(*spec)
    for path in sorted(OUT.glob("*.png")):
        print(path, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
