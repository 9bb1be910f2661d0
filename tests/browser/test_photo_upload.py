"""A photo over mobile data: the web app makes it the size the server keeps
(1600 px on the long side, liaison/media/images.py) before sending it, turned
the right way (EXIF orientation), with the upload's progress; what the browser
cannot decode (HEIC in Chromium) goes as it is. Playwright holds each upload
(`page.route`) to read what the page sends and to see the progress meanwhile.
"""

from __future__ import annotations

import asyncio
import io
import random
import re
import uuid

from PIL import Image
from playwright.async_api import Page, Route, expect

from tests.browser.conftest import LIVE_TIMEOUT, SIZES, assert_no_page_errors, check_a11y, screenshot
from tests.photos import RED, heic, jpeg

SERVER_SIDE = 1600  # liaison/media/images.py WEB_SIZE


def camera_photo() -> bytes:
    """A 12-megapixel phone photo of several MB, stored sideways with EXIF
    orientation 6 ("turn 90° clockwise to show"): its stored left third is red,
    so the top third is red once shown the right way up."""
    width, height = 4032, 3024
    noise = random.Random(12).randbytes((width // 3) * (height // 3) * 3)
    image = Image.frombytes("RGB", (width // 3, height // 3), noise).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    image.paste(RED, (0, 0, width // 3, height))
    return jpeg(image, orientation=6, quality=96)


def sent_file(body: bytes) -> bytes:
    """The file part of a multipart/form-data body (the page sends one field, `file`)."""
    head, _, rest = body.partition(b"\r\n\r\n")
    assert b'name="file"' in head, head
    return rest[: rest.rindex(b"\r\n--")]


class Held:
    """Uploads to /api/media held by the test until `release()`: their bodies kept."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.arrived = asyncio.Condition()
        self._go = asyncio.Event()

    async def handle(self, route: Route) -> None:
        async with self.arrived:
            self.bodies.append(route.request.post_data_buffer or b"")
            self.arrived.notify_all()
        await self._go.wait()
        await route.continue_()

    async def body(self, number: int) -> bytes:
        """The body of the `number`th upload (from 1), once it has arrived."""
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.bodies) >= number), LIVE_TIMEOUT / 1000
            )
        return self.bodies[number - 1]

    def release(self) -> None:
        self._go.set()


async def open_writer(page: Page) -> None:
    box = page.locator("details.write-box")
    await box.locator("summary").filter(has_text="Nouvel article").click()
    await expect(box.locator("input[type=file]")).to_be_attached()


async def test_a_large_photo_goes_at_the_size_kept_with_its_progress_and_heic_as_it_is(
    open_app, server, world, db
):
    school = world.a
    teacher = await open_app(
        server, login=school.teachers["CP"].login, path=f"/#/blog/{school.classes['CP']}", view="blog"
    )
    await open_writer(teacher)
    original = camera_photo()
    assert len(original) > 5_000_000
    held = Held()
    await teacher.route("**/api/media", held.handle)

    await teacher.locator("input[type=file]").set_input_files(
        [{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": original}]
    )
    body = await held.body(1)
    item = teacher.locator("li.photo-item")
    # While it travels: a progress bar, and the weight that crosses the network.
    await expect(item).to_have_attribute("data-state", "uploading")
    await expect(item.locator("progress")).to_be_visible()
    await expect(item.locator(".photo-state")).to_contain_text("Envoi de ")
    await expect(item.locator(".photo-state")).to_contain_text("Ko")
    for width, height in SIZES:
        await teacher.set_viewport_size({"width": width, "height": height})
        await check_a11y(teacher, "photo-uploading")
        await screenshot(teacher, "photo-uploading")

    sent = sent_file(body)
    assert len(sent) < len(original) / 5, (len(sent), len(original))
    picture = Image.open(io.BytesIO(sent))
    assert picture.format == "JPEG"
    # Turned upright by the browser (EXIF orientation 6), at the size the server keeps.
    assert picture.size == (SERVER_SIDE * 3 // 4, SERVER_SIDE)
    rgb = picture.convert("RGB")
    top, bottom = rgb.getpixel((600, 100)), rgb.getpixel((600, 1500))
    assert top[0] > 180 and top[1] < 80 and top[2] < 80, top  # the red third, on top
    assert not (bottom[0] > 180 and bottom[1] < 80), bottom

    # Let it go over a slow mobile uplink (400 kB/s): the bar and the percentage move.
    cdp = await teacher.context.new_cdp_session(teacher)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 100, "downloadThroughput": 2_000_000, "uploadThroughput": 400_000},
    )
    held.release()
    await expect(item.locator(".photo-state")).to_have_text(
        re.compile(r"^Envoi de \d+ Ko… [1-9]\d? %$"), timeout=LIVE_TIMEOUT
    )
    assert int(await item.locator("progress").get_attribute("value")) > 0
    await expect(item.locator(".photo-state")).to_have_text("Envoyée", timeout=LIVE_TIMEOUT)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    thumb = item.locator("img.photo-preview")  # now the server's thumbnail
    await expect(thumb).to_have_attribute("src", re.compile(r"^/media/.+/thumb$"))
    await teacher.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await thumb.element_handle(), timeout=LIVE_TIMEOUT
    )
    media_id = await item.get_attribute("data-media-id")
    stored = await db.fetchrow("SELECT width, height FROM media WHERE id = $1", uuid.UUID(media_id))
    assert (stored["width"], stored["height"]) == (1200, 1600)

    # An iPhone's HEIC, which Chromium cannot decode: sent as it is; the server converts it.
    photo = heic()
    await teacher.locator("input[type=file]").set_input_files(
        [{"name": "IMG_0043.HEIC", "mimeType": "image/heic", "buffer": photo}]
    )
    assert sent_file(await held.body(2)) == photo
    second = teacher.locator("li.photo-item").nth(1)
    await expect(second.locator(".photo-state")).to_have_text("Envoyée", timeout=LIVE_TIMEOUT)
    await screenshot(teacher, "photo-uploaded")
    assert_no_page_errors(teacher)
