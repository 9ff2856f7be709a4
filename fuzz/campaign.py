#!/usr/bin/env python3
"""Hostile and careless inputs through the idphoto CLI, by class, with counts and outcomes.

    python3 fuzz/campaign.py [path/to/idphoto]      # default: target/release/idphoto

Every case runs in a fresh temporary folder with a copy of examples/portrait.jpg (and what the
case makes). What must hold for every case: the exit code is 0, 1 or 2 (never a panic's 101 or
a signal), the run ends within 60 s, no input file changes (SHA-256 before and after), no
temporary file (`.idphoto-*.tmp`) is left and nothing says "panicked". Prints one line per class
(cases, exit codes seen, invariant breaches) and exits 1 if any invariant broke. Needs Pillow.
"""
import collections
import hashlib
import io
import os
import pathlib
import random
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target/release/idphoto").resolve()
PORTRAIT = (ROOT / "examples/portrait.jpg").read_bytes()
rng = random.Random(23)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height, depth, colour):
    """A PNG whose header claims width x height, with one tiny compressed row of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_claiming(width, height):
    """The portrait with its frame header (SOF0) patched to claim width x height."""
    b = bytearray(PORTRAIT)
    sof = b.find(b"\xff\xc0")
    struct.pack_into(">HH", b, sof + 5, height, width)
    return bytes(b)


def encode(img, fmt, **kw):
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def scan_start(data):
    return data.find(b"\xff\xda") + 12


CASES = collections.defaultdict(list)


def case(cls, args, files=None, prepare=None):
    CASES[cls].append((args, files or {}, prepare))


# Truncated: cut at 5 % steps, and cut mid-scan then closed with an end-of-image marker.
for pct in range(5, 100, 5):
    cut = PORTRAIT[: len(PORTRAIT) * pct // 100]
    case("truncated", ["check", "t.jpg", "-c", "dongguan", "--no-fix"], {"t.jpg": cut})
for pct in (10, 30, 50, 70, 90, 99):
    s = scan_start(PORTRAIT)
    cut = PORTRAIT[: s + (len(PORTRAIT) - s) * pct // 100] + b"\xff\xd9"
    case("truncated", ["check", "t.jpg", "-c", "dongguan"], {"t.jpg": cut})

# Corrupt: 1 to 64 bytes flipped in the scan data or anywhere, seeded.
for i in range(40):
    b = bytearray(PORTRAIT)
    lo = scan_start(PORTRAIT) if i % 2 == 0 else 2
    for _ in range(rng.choice([1, 4, 16, 64])):
        b[rng.randrange(lo, len(b) - 2)] ^= 1 << rng.randrange(8)
    case("corrupt", ["check", "c.jpg", "-c", "dongguan"], {"c.jpg": bytes(b)})
for junk in (b"", b"\0" * 4096, os.urandom(65536), b"\xff\xd8\xff" + os.urandom(1000)):
    case("corrupt", ["check", "j.jpg", "-c", "dongguan", "--no-fix"], {"j.jpg": junk})

# Huge: headers claiming far more pixels or bytes than the limits allow.
for name, data in {
    "rgb.png": png_claiming(30000, 30000, 8, 2),
    "rgba16.png": png_claiming(9000, 9000, 16, 6),
    "wide.png": png_claiming(2**31 - 1, 1, 8, 0),
    "big.jpg": jpeg_claiming(60000, 60000),
    "tall.jpg": jpeg_claiming(1, 65535),
}.items():
    case("huge", ["check", name, "-c", "dongguan", "--no-fix"], {name: data})
case("huge", ["check", "z.jpg", "-c", "dongguan"], prepare=lambda d: os.symlink("/dev/zero", d / "z.jpg"))
case("huge", ["check", "-c", "dongguan", "--files-from", "/dev/zero"])

# Wrong extension: the content decides.
portrait = Image.open(io.BytesIO(PORTRAIT)).convert("RGB")
for name, fmt in {"p.jpg": "PNG", "j.png": "JPEG", "w.bmp": "WEBP", "b.webp": "BMP", "t.jpeg": "TIFF"}.items():
    case("wrong extension", ["check", name, "-c", "dongguan"], {name: encode(portrait, fmt)})

# Unreadable: no read permission, a folder named like a photo, a dangling link, a missing file.
case("unreadable", ["check", "u.jpg", "-c", "dongguan"], {"u.jpg": PORTRAIT},
     prepare=lambda d: os.chmod(d / "u.jpg", 0))
case("unreadable", ["check", "dir.jpg", "-c", "dongguan"], prepare=lambda d: (d / "dir.jpg").mkdir())
case("unreadable", ["check", "gone.jpg", "-c", "dongguan"], prepare=lambda d: os.symlink("nowhere", d / "gone.jpg"))
case("unreadable", ["check", "missing.jpg", "-c", "dongguan"])
case("unreadable", ["check", ".", "-r", "-c", "dongguan", "--no-fix"], {"a.jpg": PORTRAIT},
     prepare=lambda d: os.symlink(".", d / "loop"))

# FIFOs and devices named as photos, and inside a folder.
case("fifo/device", ["check", "p.jpg", "-c", "dongguan"], prepare=lambda d: os.mkfifo(d / "p.jpg"))
case("fifo/device", ["check", "/dev/null", "-c", "dongguan"])
case("fifo/device", ["check", "n.jpg", "-c", "dongguan"], prepare=lambda d: os.symlink("/dev/urandom", d / "n.jpg"))
case("fifo/device", ["check", ".", "-c", "dongguan", "--no-fix"], {"a.jpg": PORTRAIT},
     prepare=lambda d: os.mkfifo(d / "f.jpg"))

# Bad TOML in a specs folder: each must be an error naming its file, never a hang or panic.
BAD_TOML = {
    "eof": "id = ",
    "syntax": "id = \"x\"\n[city\n",
    "type": "id = 3\n",
    "unknown": "id = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\nfrobnicate = true\n",
    "cycle": "id = \"loopy\"\ninherits = \"loopy\"\n",
    "binary": "\0\xff\xfe garbage",
    "huge-number": "id = \"x\"\n[head]\nface_width_px = [1e400, -1e400]\n",
    "deep": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "empty": "",
}
for name, text in BAD_TOML.items():
    case("bad TOML", ["check", "a.jpg", "-c", "dongguan", "--no-fix", "--specs-dir", "specs"],
         {"a.jpg": PORTRAIT, f"specs/{name}.toml": text.encode("utf-8", "surrogateescape")})
case("bad TOML", ["check", "a.jpg", "-c", "dongguan", "--no-fix", "--specs-dir", "specs"],
     {"a.jpg": PORTRAIT},
     prepare=lambda d: ((d / "specs").mkdir(), [os.symlink(".", d / "specs" / f"l{i}") for i in range(6)]))

# Unknown cities and documents.
for args in (["-c", "nowhere"], ["-c", ""], ["-c", "东莞X"], ["-c", "dongguan", "-d", "passport2"],
             ["-c", "../../etc/passwd"], ["-c", "\x1b[2J"]):
    case("unknown city", ["check", "a.jpg", "--no-fix", *args], {"a.jpg": PORTRAIT})

# Escaping and odd paths: outputs must stay where they are asked to go, names stay distinct.
case("escaping paths", ["check", "in/../a.jpg", "-c", "dongguan", "--out-dir", "out"], {"a.jpg": PORTRAIT},
     prepare=lambda d: ((d / "in").mkdir(), (d / "out").mkdir()))
case("escaping paths", ["check", "in", "-r", "-c", "dongguan", "--out-dir", "out"],
     {"in/x/a.jpg": PORTRAIT, "in/y/a.jpg": PORTRAIT, "in/a.png": encode(portrait, "PNG")},
     prepare=lambda d: (d / "out").mkdir())
case("escaping paths", ["check", "a\nb\x1b[31m.jpg", "-c", "dongguan", "--format", "json"], {"a\nb\x1b[31m.jpg": PORTRAIT})
case("escaping paths", ["check", b"\xb2\xe2.jpg", b"\xb2\xe3.jpg", "-c", "dongguan", "--format", "jsonl"],
     {b"\xb2\xe2.jpg": PORTRAIT, b"\xb2\xe3.jpg": PORTRAIT})
case("escaping paths", ["check", "a.jpg", "-c", "dongguan", "--out", "missing/dir/o.jpg"], {"a.jpg": PORTRAIT})

# Destinations that are an input, a link or a device.
case("destination", ["check", "a.jpg", "b.jpg", "-c", "dongguan", "--no-fix", "--summary", "a.jpg"],
     {"a.jpg": PORTRAIT, "b.jpg": PORTRAIT})
case("destination", ["check", "x.jpg", "x.dongguan.jpg", "-c", "dongguan", "--force"],
     {"x.jpg": PORTRAIT, "x.dongguan.jpg": PORTRAIT})
case("destination", ["check", "a.jpg", "-c", "dongguan", "--out", "a.jpg", "--force"], {"a.jpg": PORTRAIT})
case("destination", ["check", "a.jpg", "-c", "dongguan", "--out", "l.jpg", "--force"], {"a.jpg": PORTRAIT, "t.txt": b"keep"},
     prepare=lambda d: os.symlink("t.txt", d / "l.jpg"))
case("destination", ["check", "a.jpg", "-c", "dongguan", "--out", "/dev/null", "--force"], {"a.jpg": PORTRAIT})
case("destination", ["check", "a.jpg", "-c", "dongguan", "--no-fix", "--summary", "/dev/stdout"], {"a.jpg": PORTRAIT})
case("destination", ["check", "a.jpg", "-c", "dongguan", "--annotate", "a.jpg", "--force"], {"a.jpg": PORTRAIT})
case("destination", ["check", "a.jpg", "-c", "dongguan", "--no-fix", "--summary", "s.csv"], {"a.jpg": PORTRAIT, "t.txt": b"keep"},
     prepare=lambda d: os.symlink("t.txt", d / "s.csv"))


def walk(d):
    """Every path below `d`, links not followed (a case may hold a link loop)."""
    for top, dirs, files in os.walk(d, followlinks=False):
        for name in dirs + files:
            yield pathlib.Path(top) / name


def snapshot(d):
    out = {}
    for p in walk(d):
        if p.is_symlink() or not p.is_file():
            continue
        try:
            out[p] = hashlib.sha256(p.read_bytes()).hexdigest()
        except OSError:
            pass
    return out


def run(args, files, prepare):
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        for name, data in files.items():
            p = d / os.fsdecode(name)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        if prepare:
            prepare(d)
        before = snapshot(d)
        start = time.monotonic()
        try:
            r = subprocess.run([BIN, *args], cwd=d, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            code, err = r.returncode, r.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            code, err = "timeout", ""
        took = time.monotonic() - start
        for p in walk(d):
            try:
                os.chmod(p, 0o755, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
        after = snapshot(d)
        breaches = []
        if code not in (0, 1, 2):
            breaches.append(f"exit {code}")
        if "panicked" in err:
            breaches.append("panic")
        changed = [p.name for p, h in before.items() if after.get(p) != h]
        if changed:
            breaches.append(f"changed {changed}")
        if any(p.name.startswith(".idphoto-") for p in walk(d)):
            breaches.append("temporary file left")
        return code, took, breaches


total_breaches = 0
print(f"{'class':16} {'cases':>5}  exit codes        slowest  breaches")
for cls, cases in CASES.items():
    codes = collections.Counter()
    slowest = 0.0
    breaches = []
    for args in cases:
        code, took, b = run(*args)
        codes[code] += 1
        slowest = max(slowest, took)
        breaches += [f"{args[0]}: {x}" for x in b]
    total_breaches += len(breaches)
    seen = " ".join(f"{k}×{v}" for k, v in sorted(codes.items(), key=str))
    print(f"{cls:16} {len(cases):5}  {seen:16} {slowest:6.1f} s  {len(breaches)}")
    for b in breaches:
        print("    ", b)
sys.exit(1 if total_breaches else 0)
