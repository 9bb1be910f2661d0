"""Test photos made with Pillow: with GPS EXIF and a camera serial, rotated,
transparent, in every accepted format, and decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

RED = (220, 30, 30)
BLUE = (30, 30, 220)
SERIAL = "SN-PHONE-0042"


def spying_exif(orientation: int | None = None) -> Image.Exif:
    """GPS position (Lyon), camera make, model and serial, a date."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Pomme"
    exif[ExifTags.Base.Model] = "Téléphone 15"
    exif[ExifTags.Base.DateTime] = "2026:11:28 08:42:10"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (45.0, 45.0, 52.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 50.0, 31.0),
    }
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = SERIAL
    return exif


def halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: shows which way a photo was turned."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def noisy(width: int, height: int, seed: int = 7) -> Image.Image:
    """Photo-like content (noise compresses like a real photo does, badly)."""
    small = Image.frombytes("RGB", (width // 8, height // 8), _noise(width // 8 * (height // 8) * 3, seed))
    return small.resize((width, height), Image.Resampling.BILINEAR)


def _noise(size: int, seed: int) -> bytes:
    import random

    return random.Random(seed).randbytes(size)


def jpeg(image: Image.Image | None = None, *, orientation: int | None = None, quality: int = 90) -> bytes:
    """A JPEG with GPS EXIF, a camera serial, an XMP packet and a comment."""
    image = image or halves(640, 480)
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/>GPS 45.76 4.84</x:xmpmeta>'
    image.save(
        out, "JPEG", quality=quality, exif=spying_exif(orientation), comment=b"Lea a la plage", xmp=xmp
    )
    return out.getvalue()


def png_with_alpha(width: int = 300, height: int = 200) -> bytes:
    """Left half fully transparent, right half opaque blue."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((*BLUE, 255), (width // 2, 0, width, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def heic(image: Image.Image | None = None) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return encoded(image or halves(320, 240), "HEIF", exif=spying_exif().tobytes(), quality=80)


def png_bomb(side: int = 20_000) -> bytes:
    """A real PNG of side×side one-bit pixels of one colour: a few dozen KB on
    disk, `side`² pixels once decoded."""
    return encoded(Image.new("1", (side, side), 0), "PNG", optimize=False)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height RGB pixels (the data is a stub)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's segments before its picture data (APPn, COM...)."""
    assert data[:2] == b"\xff\xd8"
    markers = []
    position = 2
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: what follows is picture data
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return markers


def metadata_left(data: bytes) -> list[str]:
    """What an encoded photo still says beside its pixels; [] when clean."""
    found = []
    image = Image.open(io.BytesIO(data))
    if len(image.getexif()):
        found.append(f"exif {dict(image.getexif())}")
    found += [
        key for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp") if key in image.info
    ]
    if image.format == "JPEG":
        # Only JFIF (APP0) and the tables of the picture itself may be there.
        found += [f"marker {m:#x}" for m in jpeg_segments(data) if 0xE1 <= m <= 0xEF or m == 0xFE]
    return found
