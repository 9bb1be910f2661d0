"""Re-encoding photos: no metadata survives, orientation applied, sizes,
formats checked by content, decompression bombs refused from the header."""

from __future__ import annotations

import io
import time

import pytest
from PIL import ExifTags, Image, ImageCms

from liaison.media import images
from tests import photos


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def colour_at(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return image.convert("RGB").getpixel((x, y))  # type: ignore[return-value]


def near(colour: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_the_source_photo_does_carry_gps_serial_xmp_and_comment() -> None:
    # The premise of the next test: the upload really says where and with what.
    source = Image.open(io.BytesIO(photos.jpeg()))
    exif = source.getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (45.0, 45.0, 52.0)
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == photos.SERIAL
    assert "xmp" in source.info and source.info["comment"] == b"Lea a la plage"


def test_no_metadata_survives_in_either_variant() -> None:
    data = photos.jpeg()
    processed = images.process(data)
    for variant in (processed.web, processed.thumb):
        assert photos.metadata_left(variant.data) == []
        assert b"SN-PHONE" not in variant.data and b"Pomme" not in variant.data and b"GPS" not in variant.data
        assert photos.jpeg_segments(variant.data)[0] == 0xE0  # JFIF only
    assert processed.source_format == "JPEG"
    assert processed.content_type == "image/jpeg"


def test_orientation_is_applied_then_forgotten() -> None:
    # Stored 640×480, left half red; orientation 6: turn 90° clockwise to show,
    # so the red half ends up on top of a 480×640 picture.
    processed = images.process(photos.jpeg(photos.halves(640, 480), orientation=6))
    assert (processed.web.width, processed.web.height) == (480, 640)
    web = opened(processed.web.data)
    assert web.size == (480, 640)
    assert near(colour_at(web, 240, 20), photos.RED)
    assert near(colour_at(web, 240, 620), photos.BLUE)
    assert ExifTags.Base.Orientation not in web.getexif()
    assert (processed.thumb.width, processed.thumb.height) == (300, 400)


def test_large_photo_gets_web_and_thumbnail_sizes_keeping_proportions() -> None:
    processed = images.process(photos.jpeg(photos.noisy(4000, 3000)))
    assert (processed.web.width, processed.web.height) == (1600, 1200)
    assert (processed.thumb.width, processed.thumb.height) == (400, 300)
    web, thumb = opened(processed.web.data), opened(processed.thumb.data)
    assert web.size == (1600, 1200) and thumb.size == (400, 300)
    assert web.info.get("progressive") == 1
    assert len(processed.thumb.data) < len(processed.web.data) < 1_000_000


def test_portrait_panorama_and_small_images() -> None:
    tall = images.process(photos.encoded(photos.halves(1000, 3000), "PNG"))
    assert (tall.web.width, tall.web.height) == (533, 1600)
    assert (tall.thumb.width, tall.thumb.height) == (133, 400)
    small = images.process(photos.encoded(photos.halves(300, 200), "PNG"))  # never enlarged
    assert (small.web.width, small.web.height) == (300, 200)
    assert (small.thumb.width, small.thumb.height) == (300, 200)
    tiny = images.process(photos.encoded(Image.new("RGB", (1, 1), "white"), "PNG"))
    assert (tiny.web.width, tiny.web.height) == (1, 1)


def test_fit() -> None:
    assert images.fit(4000, 3000, 1600) == (1600, 1200)
    assert images.fit(3000, 4000, 1600) == (1200, 1600)
    assert images.fit(1600, 1600, 1600) == (1600, 1600)
    assert images.fit(100, 50, 1600) == (100, 50)
    assert images.fit(20000, 1, 400) == (400, 1)


def test_transparent_png_is_flattened_on_white() -> None:
    processed = images.process(photos.png_with_alpha(300, 200))
    web = opened(processed.web.data)
    assert web.mode == "RGB"
    assert near(colour_at(web, 10, 100), (255, 255, 255), 5)
    assert near(colour_at(web, 290, 100), photos.BLUE)
    assert processed.source_format == "PNG"


def test_palette_and_greyscale_and_sixteen_bit_images() -> None:
    palette = photos.halves(200, 100).convert("P", palette=Image.Palette.ADAPTIVE)
    assert near(
        colour_at(opened(images.process(photos.encoded(palette, "PNG")).web.data), 10, 50), photos.RED
    )
    grey = images.process(photos.encoded(Image.new("L", (50, 50), 128), "PNG"))
    assert near(colour_at(opened(grey.web.data), 25, 25), (128, 128, 128), 3)
    deep = Image.new("I;16", (50, 50), 32768)  # mid-grey on 16 bits
    assert near(
        colour_at(opened(images.process(photos.encoded(deep, "PNG")).web.data), 25, 25), (128, 128, 128), 3
    )


def test_cmyk_jpeg_and_icc_profiles_come_out_as_plain_srgb() -> None:
    cmyk = images.process(photos.encoded(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG"))
    assert near(colour_at(opened(cmyk.web.data), 32, 32), (255, 0, 0), 40)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = photos.encoded(photos.halves(200, 100), "JPEG", icc_profile=srgb, quality=95)
    assert "icc_profile" in Image.open(io.BytesIO(tagged)).info
    processed = images.process(tagged)
    assert photos.metadata_left(processed.web.data) == []
    assert near(colour_at(opened(processed.web.data), 10, 50), photos.RED)
    broken = photos.encoded(photos.halves(200, 100), "JPEG", icc_profile=b"not a profile at all")
    assert photos.metadata_left(images.process(broken).web.data) == []


@pytest.mark.parametrize(
    ("fmt", "options", "source_format"),
    [
        ("PNG", {}, "PNG"),
        ("WEBP", {"quality": 80, "exif": photos.spying_exif().tobytes()}, "WEBP"),
        ("WEBP", {"lossless": True}, "WEBP"),
        ("JPEG", {"exif": photos.spying_exif()}, "JPEG"),
    ],
)
def test_accepted_formats(fmt: str, options: dict, source_format: str) -> None:
    processed = images.process(photos.encoded(photos.halves(320, 240), fmt, **options))
    assert processed.source_format == source_format
    assert photos.metadata_left(processed.web.data) == []
    assert near(colour_at(opened(processed.web.data), 10, 120), photos.RED)


def test_heic_from_phones_is_read_and_cleaned() -> None:
    # The pillow-heif wheel ships an HEVC encoder: a real HEIC file with EXIF.
    data = photos.heic(photos.halves(320, 240))
    assert data[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    processed = images.process(data)
    assert processed.source_format == "HEIF"
    assert (processed.web.width, processed.web.height) == (320, 240)
    assert photos.metadata_left(processed.web.data) == []
    assert near(colour_at(opened(processed.web.data), 10, 120), photos.RED)


def test_heic_orientation_is_applied_once() -> None:
    # pillow-heif turns the EXIF orientation into the file's own rotation: the
    # photo must come out turned once, not twice.
    data = photos.encoded(photos.halves(640, 480), "HEIF", exif=photos.spying_exif(orientation=6).tobytes())
    processed = images.process(data)
    assert (processed.web.width, processed.web.height) == (480, 640)
    web = opened(processed.web.data)
    assert near(colour_at(web, 240, 20), photos.RED)
    assert near(colour_at(web, 240, 620), photos.BLUE)


def test_a_two_picture_jpeg_keeps_the_first() -> None:
    first, second = photos.halves(200, 100), Image.new("RGB", (200, 100), "green")
    data = photos.encoded(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    processed = images.process(data)
    assert near(colour_at(opened(processed.web.data), 10, 50), photos.RED)


def test_animated_webp_keeps_the_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in (photos.RED, photos.BLUE)]
    data = photos.encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    processed = images.process(data)
    assert near(colour_at(opened(processed.web.data), 32, 32), photos.RED)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Bonjour, ceci n'est pas une photo.\n" * 20,
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG's first bytes, then nothing
    ],
    ids=["empty", "text", "pdf", "svg", "jpeg-magic-only"],
)
def test_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(images.NotAnImage) as refused:
        images.process(data)
    assert "JPEG, PNG, WebP ou HEIC" in refused.value.message


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    with pytest.raises(images.NotAnImage):
        images.process(photos.encoded(photos.halves(64, 64), fmt))


def test_truncated_or_corrupt_files_are_refused() -> None:
    whole = photos.jpeg(photos.noisy(800, 600))
    with pytest.raises(images.NotAnImage):
        images.process(whole[: len(whole) // 2])
    png = bytearray(photos.encoded(photos.noisy(200, 200), "PNG"))
    png[-30] ^= 0xFF  # a flipped byte in the picture data: the CRC no longer matches
    with pytest.raises(images.NotAnImage):
        images.process(bytes(png))


def test_a_real_decompression_bomb_is_refused_without_decoding_it() -> None:
    bomb = photos.png_bomb(20_000)  # 400 megapixels
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(images.ImageTooLarge) as refused:
        images.process(bomb)
    assert time.perf_counter() - started < 0.5  # decoding it would take seconds and 400 MB
    assert refused.value.message.startswith("Image trop grande")


# As in production (liaison.media.images sets this filter; pytest resets filters per test).
@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("width", "height"),
    [
        (100_000, 100_000),  # far beyond Pillow's own bomb limit: its error
        (7_000, 6_000),  # 42 MP, just beyond ours: Pillow's warning, made an error
        (20_001, 10),  # few pixels, absurd side
        (10, 40_000),
    ],
)
def test_headers_claiming_too_many_pixels_are_refused(width: int, height: int) -> None:
    with pytest.raises(images.ImageTooLarge):
        images.process(photos.png_header(width, height))


def test_a_photo_at_the_limit_is_taken() -> None:
    # 8000×5000 = 40 MP exactly, one colour so the test stays fast.
    processed = images.process(photos.encoded(Image.new("L", (8000, 5000), 200), "PNG"))
    assert (processed.web.width, processed.web.height) == (1600, 1000)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_our_own_limit_holds_whatever_the_warning_filters() -> None:
    with pytest.raises(images.ImageTooLarge):
        images.process(photos.png_header(7_000, 6_000))


def test_a_file_object_is_read_as_well_as_bytes() -> None:
    import tempfile

    with tempfile.SpooledTemporaryFile(max_size=1024) as spooled:  # as an upload arrives
        spooled.write(photos.jpeg(photos.noisy(800, 600)))
        spooled.seek(0)
        processed = images.process(spooled)
    assert (processed.web.width, processed.web.height) == (800, 600)
    assert photos.metadata_left(processed.web.data) == []
