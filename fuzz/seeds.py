#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into corpus/<target>/ (not committed: remade at will).

decode: tiny images in every format idphoto reads (JPEG baseline, progressive, with restart
markers, grey, 4:4:4, with an EXIF orientation; PNG 8/16-bit, palette, RGBA; WebP lossy and
lossless; GIF; BMP; TIFF). check: the portrait of examples/ shrunk to 90x112 px, as JPEG and PNG,
plus a grey card. spec: every TOML under specs/. writers: a few hostile names. Needs Pillow.
"""
import io
import pathlib
from PIL import Image

here = pathlib.Path(__file__).resolve().parent
root = here.parent


def save(target, name, data):
    d = here / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def encode(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


portrait = Image.open(root / "examples" / "portrait.jpg").convert("RGB")
tiny = portrait.resize((24, 30))
exif = Image.Exif()
exif[0x0112] = 6  # stored on its side
variants = {
    "base.jpg": encode(tiny, "JPEG", quality=80),
    "prog.jpg": encode(tiny, "JPEG", quality=80, progressive=True),
    "restart.jpg": encode(tiny, "JPEG", quality=80, restart_marker_blocks=2),
    "grey.jpg": encode(tiny.convert("L"), "JPEG"),
    "444.jpg": encode(tiny, "JPEG", subsampling=0),
    "exif.jpg": encode(tiny, "JPEG", exif=exif.tobytes(), dpi=(300, 300)),
    "rgb.png": encode(tiny, "PNG"),
    "rgba.png": encode(tiny.convert("RGBA"), "PNG"),
    "pal.png": encode(tiny.convert("P"), "PNG"),
    "i16.png": encode(tiny.convert("I;16"), "PNG"),
    "lossy.webp": encode(tiny, "WEBP", quality=60),
    "lossless.webp": encode(tiny, "WEBP", lossless=True),
    "anim.gif": encode(tiny.convert("P"), "GIF", save_all=True,
                       append_images=[tiny.rotate(90).convert("P")]),
    "rgb.bmp": encode(tiny, "BMP"),
    "rgb.tiff": encode(tiny, "TIFF"),
}
for name, data in variants.items():
    save("decode", name, data)

small = portrait.resize((90, 112))
save("check", "portrait.jpg", encode(small, "JPEG", quality=85))
save("check", "portrait.png", encode(small, "PNG"))
save("check", "grey.jpg", encode(Image.new("RGB", (36, 44), (128, 128, 128)), "JPEG"))

for toml in sorted((root / "specs").rglob("*.toml")):
    save("spec", toml.parent.name + "-" + toml.name, toml.read_bytes())

for i, name in enumerate([b"a.jpg\xffout/a.dongguan.jpg\xffbad file",
                          b"\xb2\xe2\xca\xd4.jpg\xff\x1b[2Jx.jpg\xffsays \"no\",\nbye\r",
                          b"../../etc/passwd\xff\xff"]):
    save("writers", f"seed{i}", name)
