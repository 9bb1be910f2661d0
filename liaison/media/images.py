"""Photos re-encoded safely: bytes in, bytes out, nothing else.

What a family or a teacher uploads is checked by its content (never its
name), then decoded and written anew as JPEG: the orientation applied, the
colours converted to sRGB, and no metadata at all (no EXIF, so no GPS
position of a child's photo and no camera serial; no XMP, no ICC profile, no
comment). Two sizes: a web one and a thumbnail.

Decompression bombs (a small file that decodes to gigabytes) are refused from
the header, before any pixel is decoded. Decoding is CPU-bound: callers run
`process` in a thread and limit how many run at once.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageCms, ImageFile, ImageOps
from pillow_heif import register_heif_opener

register_heif_opener()

# Pillow's names of the formats we take (a JPEG with a second picture, as
# some phones write, opens as "MPO"; iPhone photos are "HEIF").
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})
_DECODERS = ("JPEG", "PNG", "WEBP", "HEIF")  # Pillow's JPEG decoder opens MPO files too
MAX_PIXELS = 40_000_000  # 40 megapixels: every phone camera; 160 MB decoded at most
MAX_SIDE = 20_000  # panoramas included
WEB_SIZE = 1600  # long side of the web variant
THUMB_SIZE = 400  # long side of the thumbnail
JPEG_QUALITY = 82
CONTENT_TYPE = "image/jpeg"
EXTENSION = "jpg"

# Pillow's own bomb check (at open) uses the same limit, and its warning
# (between 1x and 2x the limit) is an error here, as its error is.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
# A truncated file is refused, not half-decoded.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRefused(Exception):
    """The upload is not taken; `message` is French, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAnImage(ImageRefused):
    """Not a JPEG, PNG, WebP or HEIC image, or one that cannot be read."""


class ImageTooLarge(ImageRefused):
    """Too many pixels: a decompression bomb, or absurd dimensions."""


@dataclass(frozen=True)
class Variant:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    web: Variant
    thumb: Variant
    source_format: str  # Pillow's name of what was uploaded
    content_type: str = CONTENT_TYPE


def _not_an_image() -> NotAnImage:
    return NotAnImage("Ce fichier n'est pas une photo lisible (JPEG, PNG, WebP ou HEIC).")


def _too_large() -> ImageTooLarge:
    return ImageTooLarge(
        f"Image trop grande : {MAX_PIXELS // 1_000_000} mégapixels au plus "
        f"et {MAX_SIDE} pixels de côté au plus."
    )


def fit(width: int, height: int, longest: int) -> tuple[int, int]:
    """The size within `longest` on the long side, never enlarged."""
    if max(width, height) <= longest:
        return width, height
    if width >= height:
        return longest, max(1, round(height * longest / width))
    return max(1, round(width * longest / height)), longest


def _open(source: IO[bytes]) -> Image.Image:
    """Open (headers only) and check format and dimensions."""
    source.seek(0)
    try:
        # Only the decoders of the allowed formats are tried: none of the
        # other, little-used ones of Pillow ever sees an upload.
        image = Image.open(source, formats=_DECODERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except Exception:  # Pillow raises many kinds for garbage: all mean "not an image"
        raise _not_an_image() from None
    if image.format not in ALLOWED_FORMATS:
        image.close()
        raise _not_an_image()
    width, height = image.size
    if width < 1 or height < 1:
        image.close()
        raise _not_an_image()
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        image.close()
        raise _too_large()
    return image


def read(data: bytes | IO[bytes]) -> Image.Image:
    """The first picture of the upload, decoded, at least the web size when
    it was larger (JPEGs are decoded at a reduced scale directly), orientation
    applied. Raises NotAnImage or ImageTooLarge."""
    source: IO[bytes] = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    checked = _open(source)
    try:
        checked.verify()  # structure and checksums (PNG CRCs), without decoding
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except Exception:
        raise _not_an_image() from None
    # verify() leaves the image unusable: open again. (Not close(): that would
    # close the caller's file too.)
    del checked
    image = _open(source)
    try:
        source_format = image.format
        # Ask the JPEG decoder for a smaller scale (1/2, 1/4, 1/8) when that
        # still covers the web size: a 12 MP photo decodes into a quarter of
        # the memory (and somewhat faster).
        image.draft("RGB", fit(*image.size, WEB_SIZE))
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        image.close()
        raise _too_large() from None
    except Exception:
        image.close()
        raise _not_an_image() from None
    image.format = source_format
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: the embedded ICC profile applied if there is one
    (Display P3 of phones, CMYK of scanners), transparency flattened on white."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L", "LA"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
            if image.mode == "LA":
                image = image.convert("RGBA")
            converted = ImageCms.profileToProfile(image, source_profile, _SRGB, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _jpeg(image: Image.Image) -> bytes:
    # No metadata may follow the pixels: Pillow copies `info` (comment, ICC,
    # EXIF...) from image to image and writes some of it by default.
    image.info.clear()
    out = io.BytesIO()
    image.save(
        out, format="JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True, exif=b"", icc_profile=None
    )
    return out.getvalue()


def process(data: bytes | IO[bytes]) -> Processed:
    """The web and thumbnail JPEGs of an uploaded photo, without metadata.
    Raises NotAnImage (not an allowed image, unreadable) or ImageTooLarge."""
    image = read(data)
    source_format = image.format or ""
    try:
        rgb = _to_srgb(image)
        web = rgb
        if max(rgb.size) > WEB_SIZE:
            web = rgb.resize(fit(*rgb.size, WEB_SIZE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        thumb = web.resize(fit(*web.size, THUMB_SIZE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        return Processed(
            web=Variant(_jpeg(web), *web.size),
            thumb=Variant(_jpeg(thumb), *thumb.size),
            source_format=source_format,
        )
    except ImageRefused:
        raise
    except (OSError, ValueError) as error:  # pixels that cannot be converted
        raise _not_an_image() from error
    finally:
        image.close()
