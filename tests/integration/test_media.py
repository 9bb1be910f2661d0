"""Photos over HTTP: uploads checked by content and re-encoded without
metadata, limits, private files on disk, the children tagged by the staff,
and who may fetch a photo (the uploader, and whoever a holder — the blog, the
cahier — lets see it; 404 for everyone else).

The blog and the cahier register their own holders; here a stand-in holder
(`Shelf`) shows photos to a class or in a child's cahier, to test the
mechanism itself."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from PIL import Image

from liaison.accounts.store import get_user
from liaison.core.errors import ApiError
from liaison.core.people import User
from liaison.media import access, images, service, store
from tests import photos
from tests.blog_world import make_pupil
from tests.conftest import Clients
from tests.world import World, build_world

MiB = 1024 * 1024


@pytest.fixture(scope="module")
async def world(api: Clients) -> World:
    world = await build_world(api)
    world.pupils = {}
    for first_name in ("Hugo", "Noah"):  # a pupil of CP and one of CE1
        world.pupils[first_name] = (await make_pupil(api, world.a, first_name)).token
    return world


class Shelf:
    """A stand-in for the blog and the cahier: photos shown to a class (its
    teachers, the director, its pupils' guardians, its pupils) or in a
    child's cahier (the child's guardians, its class's teachers, the
    director, the child)."""

    def __init__(self) -> None:
        self.in_class: dict[uuid.UUID, uuid.UUID] = {}
        self.in_cahier: dict[uuid.UUID, uuid.UUID] = {}
        self.asked = 0

    async def holds(self, conn, user, media_id: uuid.UUID) -> bool:
        self.asked += 1
        if media_id in self.in_class:
            return await conn.fetchval(
                """SELECT EXISTS (SELECT 1 FROM class_staff WHERE class_id = $1 AND user_id = $2)
                       OR EXISTS (SELECT 1 FROM users u JOIN classes k ON k.school_id = u.school_id
                                  WHERE u.id = $2 AND u.role = 'director' AND k.id = $1)
                       OR EXISTS (SELECT 1 FROM children c LEFT JOIN guardianships g ON g.child_id = c.id
                                  WHERE c.class_id = $1 AND (g.user_id = $2 OR c.user_id = $2))""",
                self.in_class[media_id],
                user.id,
            )
        if media_id in self.in_cahier:
            return await conn.fetchval(
                """SELECT EXISTS (SELECT 1 FROM guardianships WHERE child_id = $1 AND user_id = $2)
                       OR EXISTS (SELECT 1 FROM children c JOIN class_staff s ON s.class_id = c.class_id
                                  WHERE c.id = $1 AND s.user_id = $2)
                       OR EXISTS (SELECT 1 FROM users u JOIN children c ON c.school_id = u.school_id
                                  WHERE u.id = $2 AND u.role = 'director' AND c.id = $1)
                       OR EXISTS (SELECT 1 FROM children WHERE id = $1 AND user_id = $2)""",
                self.in_cahier[media_id],
                user.id,
            )
        return False


@pytest.fixture
def shelf() -> Iterator[Shelf]:
    shelf = Shelf()
    access.holder(shelf.holds)
    try:
        yield shelf
    finally:
        access.HOLDERS.remove(shelf.holds)


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    **fields: str,
) -> httpx.Response:
    return await client.post("/api/media", files={"file": (filename, data, content_type)}, data=fields)


async def uploaded(client: httpx.AsyncClient, data: bytes | None = None, **fields: str) -> dict:
    response = await upload(client, data or photos.jpeg(), **fields)
    assert response.status_code == 201, response.text
    return response.json()


def media_files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def media_count(db, user_id: str) -> int:
    return await db.fetchval("SELECT count(*) FROM media WHERE uploader_id = $1", uuid.UUID(user_id))


# -- uploading ----------------------------------------------------------------


async def test_a_photo_with_gps_is_served_without_any_metadata(server, api, world):
    sophie = api(world.a.parents["cp"].token)
    source = photos.jpeg(photos.noisy(1200, 900))
    assert b"SN-PHONE" in source and b"GPS" in source
    response = await upload(sophie, source, "IMG_0042.JPG")
    assert response.status_code == 201, response.text
    media = response.json()
    assert set(media) == {"id", "url", "thumb_url", "width", "height"}
    assert (media["width"], media["height"]) == (1200, 900)
    key = media["url"].split("/")[2]
    assert media["url"] == f"/media/{key}/web" and media["thumb_url"] == f"/media/{key}/thumb"
    assert len(key) == 43 and "IMG" not in key

    for url, size in ((media["url"], (1200, 900)), (media["thumb_url"], (400, 300))):
        served = await sophie.get(url)
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["cache-control"] == "private, max-age=86400"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-disposition"] == "inline"
        assert served.headers["cross-origin-resource-policy"] == "same-origin"
        assert "set-cookie" not in served.headers
        image = Image.open(io.BytesIO(served.content))
        assert image.format == "JPEG" and image.size == size
        assert len(image.getexif()) == 0
        assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
        assert photos.metadata_left(served.content) == []
        assert b"SN-PHONE" not in served.content and b"Pomme" not in served.content

    # HEAD, and a browser that has it already: 304 without the bytes.
    head = await sophie.head(media["url"])
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 1000
    etag = head.headers["etag"]
    again = await sophie.get(media["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == "private, max-age=86400"


async def test_orientation_is_applied(api, world):
    teacher = api(world.a.teachers["CP"].token)
    media = await uploaded(teacher, photos.jpeg(photos.halves(640, 480), orientation=6))
    assert (media["width"], media["height"]) == (480, 640)
    served = Image.open(io.BytesIO((await teacher.get(media["url"])).content))
    assert served.size == (480, 640)
    red = served.convert("RGB").getpixel((240, 20))
    assert red[0] > 180 and red[2] < 80  # the left (red) half is now on top


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("dessin.png", photos.png_with_alpha(), "image/png"),
        (
            "photo.webp",
            photos.encoded(photos.halves(320, 240), "WEBP", exif=photos.spying_exif().tobytes()),
            "image/webp",
        ),
        ("IMG_1234.HEIC", photos.heic(), "image/heic"),
        # The name and the declared type do not matter, the content does.
        ("scan.bin", photos.encoded(photos.halves(320, 240), "PNG"), "application/octet-stream"),
    ],
    ids=["png-alpha", "webp", "heic", "png-named-bin"],
)
async def test_accepted_formats_come_out_as_clean_jpeg(api, world, filename, data, content_type):
    marc = api(world.a.parents["ce1"].token)
    response = await upload(marc, data, filename, content_type)
    assert response.status_code == 201, response.text
    media = response.json()
    served = await marc.get(media["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert photos.metadata_left(served.content) == []


async def test_not_an_image_is_refused_by_content(server, api, db, world):
    sophie = api(world.a.parents["cp"].token)
    before_rows = await media_count(db, world.a.parents["cp"].user_id)
    before_files = media_files(server.settings.media_root)
    cases = [
        ("photo.jpg", b"MZ\x90\x00 this is a program, not a photo" * 50, "image/jpeg"),
        ("photo.jpg", b"", "image/jpeg"),
        (
            "photo.png",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "image/png",
        ),
        ("anim.gif", photos.encoded(photos.halves(64, 64), "GIF"), "image/gif"),  # an image, not one we take
        ("scan.tiff", photos.encoded(photos.halves(64, 64), "TIFF"), "image/tiff"),
    ]
    for filename, data, content_type in cases:
        response = await upload(sophie, data, filename, content_type)
        assert response.status_code == 415, (filename, response.text)
        error = response.json()["error"]
        assert error["code"] == "unsupported_media"
        assert "JPEG, PNG, WebP ou HEIC" in error["message"]
    assert await media_count(db, world.a.parents["cp"].user_id) == before_rows
    assert media_files(server.settings.media_root) == before_files


async def test_a_decompression_bomb_is_refused(server, api, db, world):
    sophie = api(world.a.parents["cp"].token)
    bomb = photos.png_bomb(20_000)  # 400 megapixels in a small file
    assert len(bomb) < MiB
    before = media_files(server.settings.media_root)
    started = time.perf_counter()
    response = await upload(sophie, bomb, "photo.png", "image/png")
    assert time.perf_counter() - started < 2
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "image_too_large" and error["message"].startswith("Image trop grande")
    crafted = await upload(sophie, photos.png_header(100_000, 100_000), "photo.png", "image/png")
    assert crafted.status_code == 422 and crafted.json()["error"]["code"] == "image_too_large"
    assert media_files(server.settings.media_root) == before


async def test_ten_megabytes_at_most(server, api, db, world):
    sophie = api(world.a.parents["cp"].token)
    small = photos.jpeg()
    # A JPEG ignores what follows its end: pad a real photo to exactly 10 MiB.
    exactly = small + b"\0" * (10 * MiB - len(small))
    assert (await upload(sophie, exactly)).status_code == 201
    over = await upload(sophie, exactly + b"\0")
    assert over.status_code == 413, over.text
    assert over.json()["error"]["code"] == "too_large"
    assert "10 Mo" in over.json()["error"]["message"]
    # Declared too large: answered before the body is sent (a raw request that sends none of it).
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        (
            "POST /api/media HTTP/1.1\r\nHost: test\r\n"
            f"Authorization: Bearer {world.a.parents['cp'].token}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {11 * MiB}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line
    # Without Content-Length (chunked): counted while read, cut at the limit.
    boundary = "liaisonboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield head + small
        for _ in range(40):  # 40 MiB offered
            yield b"\0" * MiB
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        streamed = await sophie.post(
            "/api/media",
            content=chunks(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert streamed.status_code == 413
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        pass  # the server answered 413 and closed while the client was still sending
    assert (await sophie.get("/healthz")).status_code == 200


async def test_malformed_requests(api, world):
    sophie = api(world.a.parents["cp"].token)
    as_json = await sophie.post("/api/media", json={"file": "photo.jpg"})
    assert as_json.status_code == 415 and as_json.json()["error"]["code"] == "unsupported_media_type"
    raw = await sophie.post("/api/media", content=photos.jpeg(), headers={"Content-Type": "image/jpeg"})
    assert raw.status_code == 415
    no_file = await sophie.post("/api/media", files={"photo": ("a.jpg", photos.jpeg(), "image/jpeg")})
    assert no_file.status_code == 422 and "photo" in no_file.json()["error"]["fields"]
    only_text = await sophie.post("/api/media", data={"file": "pas un fichier"}, files={"x": ("", b"", "")})
    assert only_text.status_code in (400, 422)
    two = await sophie.post(
        "/api/media",
        files=[
            ("file", ("a.jpg", photos.jpeg(), "image/jpeg")),
            ("file", ("b.jpg", photos.jpeg(), "image/jpeg")),
        ],
    )
    assert two.status_code == 400
    no_boundary = await sophie.post(
        "/api/media", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    bad_client_id = await upload(sophie, photos.jpeg(), client_id="x" * 65)
    assert bad_client_id.status_code == 422 and "client_id" in bad_client_id.json()["error"]["fields"]


async def test_who_may_upload(server, api, world):
    assert (await upload(api(), photos.jpeg())).status_code == 401
    admin = await upload(api(world.admin), photos.jpeg())
    assert admin.status_code == 403  # the platform admin belongs to no school
    for token in (world.a.director.token, world.pupils["Hugo"], world.b.parents["cm1"].token):
        assert (await upload(api(token), photos.jpeg())).status_code == 201
    # A browser session (cookie) must send its CSRF token.
    async with httpx.AsyncClient(base_url=server.url) as browser:
        browser.cookies.set("liaison_session", world.a.parents["cp"].token)
        refused = await upload(browser, photos.jpeg())
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
        csrf = (await browser.get("/api/me")).json()["csrf_token"]
        sent = await browser.post(
            "/api/media",
            files={"file": ("a.jpg", photos.jpeg(), "image/jpeg")},
            headers={"X-CSRF-Token": csrf},
        )
        assert sent.status_code == 201
        assert (await browser.get(sent.json()["url"])).status_code == 200  # an <img> sends the cookie


async def test_a_retried_upload_gives_the_first_photo(server, api, db, world):
    marc = api(world.a.parents["ce1"].token)
    first = await uploaded(marc, client_id="outbox-1")
    again = await uploaded(marc, photos.jpeg(photos.halves(100, 100)), client_id="outbox-1")
    assert again == first
    # Sent four times at once: one photo, one set of files.
    before = media_files(server.settings.media_root)
    same = await asyncio.gather(*(upload(marc, photos.jpeg(), client_id="outbox-2") for _ in range(4)))
    assert {r.status_code for r in same} == {201}
    assert len({r.json()["id"] for r in same}) == 1
    assert len(media_files(server.settings.media_root) - before) == 2  # web and thumb
    assert await db.fetchval("SELECT count(*) FROM media WHERE client_id = 'outbox-2'") == 1
    other = await uploaded(api(world.a.parents["cp"].token), client_id="outbox-1")  # another person's id
    assert other["id"] != first["id"]


async def test_files_are_private_and_whole(server, api, world):
    root = server.settings.media_root
    before = media_files(root)
    media = await uploaded(api(world.a.teachers["CE1"].token))
    key = media["url"].split("/")[2]
    added = media_files(root) - before
    assert added == {Path(key[:2]) / key / "web.jpg", Path(key[:2]) / key / "thumb.jpg"}
    for path in added:
        assert stat.S_IMODE(os.stat(root / path).st_mode) == 0o600
    assert not [p for p in root.rglob("*.tmp")]


async def test_decodes_run_off_the_event_loop(server, api, world):
    """Six 12-megapixel photos at once: every one is taken (two decoded at a
    time, in threads), and the server keeps answering meanwhile."""
    client = api(world.a.teachers["CP"].token)
    big = photos.jpeg(photos.noisy(4000, 3000), quality=92)
    uploads = [asyncio.create_task(upload(client, big)) for _ in range(6)]
    answers = 0
    while not all(task.done() for task in uploads):
        started = time.perf_counter()
        assert (await client.get("/healthz")).status_code == 200
        assert time.perf_counter() - started < 2  # (generous: CI machines are busy)
        answers += 1
    assert all(task.result().status_code == 201 for task in uploads)
    assert answers >= 1


# -- who sees a photo ---------------------------------------------------------

PEOPLE = ["anonymous", "uploader", "director_a", "teacher_cp", "teacher_ce1", "claire", "sophie", "marc",
          "pupil_hugo", "pupil_noah", "director_b", "parent_b"]  # fmt: skip


def people(world) -> dict[str, str | None]:
    a, b = world.a, world.b
    return {
        "anonymous": None,
        "uploader": a.teachers["CP"].token,
        "director_a": a.director.token,
        "teacher_cp": a.teachers["CP"].token,
        "teacher_ce1": a.teachers["CE1"].token,
        "claire": a.parents["both"].token,  # Léa (CP) and Inès (CE1)
        "sophie": a.parents["cp"].token,  # Hugo (CP)
        "marc": a.parents["ce1"].token,  # Noah (CE1)
        "pupil_hugo": world.pupils["Hugo"],
        "pupil_noah": world.pupils["Noah"],
        "director_b": b.director.token,
        "parent_b": b.parents["cm1"].token,
    }


def expect(*codes: int) -> dict[str, int]:
    return dict(zip(PEOPLE, codes, strict=True))


SHOWN = {
    # Uploaded by the CP teacher, on no post or page: only its uploader.
    "nowhere": expect(404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404),
    # On the CP blog: the class audience; another class's family, another school: 404.
    "cp_blog": expect(404, 200, 200, 200, 404, 200, 200, 404, 200, 404, 404, 404),
    # In Léa's cahier: her guardian (Claire), her teacher, the director; not
    # Hugo's guardian nor Hugo, though in the same class.
    "lea_cahier": expect(404, 200, 200, 200, 404, 200, 404, 404, 404, 404, 404, 404),
}


async def test_every_media_url_in_the_authorisation_matrix(api, db, world, shelf):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    placed = {name: await uploaded(teacher) for name in SHOWN}
    shelf.in_class[uuid.UUID(placed["cp_blog"]["id"])] = uuid.UUID(a.classes["CP"])
    shelf.in_cahier[uuid.UUID(placed["lea_cahier"]["id"])] = uuid.UUID(a.children["Léa"])
    tokens = people(world)
    seen: dict[tuple[str, str], int] = {}
    for name, media in placed.items():
        for who, token in tokens.items():
            client = api(token)
            codes = {(await client.get(media[url])).status_code for url in ("url", "thumb_url")}
            view = await client.get(f"/api/media/{media['id']}")
            if token is None:
                assert view.status_code == 401  # under /api, signed out is told to sign in
            else:
                codes.add(view.status_code)
            assert len(codes) == 1, (name, who, codes)
            seen[(name, who)] = codes.pop()
    wrong = {key: code for key, code in seen.items() if code != SHOWN[key[0]][key[1]]}
    assert wrong == {}, wrong
    # The 404 of a hidden photo is the API's plain 404, the same as for none.
    hidden = await api(a.parents["ce1"].token).get(placed["cp_blog"]["url"])
    unknown = await api(a.parents["ce1"].token).get(f"/media/{'A' * 43}/web")
    assert hidden.json() == unknown.json() == {"error": {"code": "not_found", "message": "Introuvable."}}


async def test_a_holder_decides_only_while_registered(api, world, shelf):
    a = world.a
    sophie = api(a.parents["cp"].token)
    media = await uploaded(api(a.teachers["CP"].token))
    assert (await sophie.get(media["url"])).status_code == 404
    shelf.in_class[uuid.UUID(media["id"])] = uuid.UUID(a.classes["CP"])
    assert (await sophie.get(media["url"])).status_code == 200
    access.HOLDERS.remove(shelf.holds)
    try:
        assert (await sophie.get(media["url"])).status_code == 404
    finally:
        access.holder(shelf.holds)
    # The uploader never needs a holder; other schools never reach one.
    asked = shelf.asked
    shelf.in_class[uuid.UUID(media["id"])] = uuid.UUID(world.b.classes["CM1"])
    assert (await api(world.b.parents["cm1"].token).get(media["url"])).status_code == 404
    assert (await api(a.teachers["CP"].token).get(media["url"])).status_code == 200
    assert shelf.asked == asked


async def test_another_schools_photo_stays_there(api, world, shelf):
    b_photo = await uploaded(api(world.b.parents["cm1"].token))
    shelf.in_class[uuid.UUID(b_photo["id"])] = uuid.UUID(world.b.classes["CM1"])
    assert (await api(world.b.teachers["CM1"].token).get(b_photo["url"])).status_code == 200
    for token in (world.a.director.token, world.a.teachers["CP"].token, world.a.parents["both"].token):
        assert (await api(token).get(b_photo["url"])).status_code == 404
        assert (await api(token).get(f"/api/media/{b_photo['id']}")).status_code == 404


async def test_addresses_that_are_not_photos(api, world):
    client = api(world.a.teachers["CP"].token)
    media = await uploaded(client)
    key = media["url"].split("/")[2]
    for path in (
        f"/media/{key}/original",
        f"/media/{key}/web.jpg",
        f"/media/{key[:-1]}/web",
        f"/media/{key}x/web",
        f"/media/{'B' * 43}/web",
        f"/media/{key}",
        "/media/..%2F..%2Fsecret_key/web",
        f"/media/{key[:2]}/{key}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
    assert (await client.post(media["url"])).status_code == 405
    assert (await client.get(f"/api/media/{uuid.uuid4()}")).status_code == 404


async def test_a_missing_file_is_a_404_not_a_500(server, api, world):
    client = api(world.a.teachers["CP"].token)
    media = await uploaded(client)
    key = media["url"].split("/")[2]
    (server.settings.media_root / key[:2] / key / "thumb.jpg").unlink()
    assert (await client.get(media["thumb_url"])).status_code == 404
    assert (await client.get(media["url"])).status_code == 200


# -- children on a photo ------------------------------------------------------


async def test_staff_tag_the_children_of_a_photo(api, db, world, shelf):
    a = world.a
    teacher = api(a.teachers["CP"].token)
    media = await uploaded(teacher)
    media_id = uuid.UUID(media["id"])
    lea, hugo = a.children["Léa"], a.children["Hugo"]
    tagged = await teacher.put(f"/api/media/{media['id']}/children", json={"child_ids": [lea, hugo, lea]})
    assert tagged.status_code == 200, tagged.text
    body = tagged.json()
    assert {k: v for k, v in body.items() if k != "children"} == media
    assert [c["id"] for c in body["children"]] == [hugo, lea]  # by first name
    assert body["children"][1]["display_name"].startswith("Léa ")
    assert set((await store.tags_of(db, [media_id]))[media_id]) == {uuid.UUID(lea), uuid.UUID(hugo)}
    replaced = await teacher.put(f"/api/media/{media['id']}/children", json={"child_ids": [hugo]})
    assert [c["id"] for c in replaced.json()["children"]] == [hugo]
    assert (await store.tags_of(db, [media_id, uuid.uuid4()]))[media_id] == [uuid.UUID(hugo)]
    # The staff see the tags; families do not.
    assert (await teacher.get(f"/api/media/{media['id']}")).json()["children"][0]["id"] == hugo
    shelf.in_class[media_id] = uuid.UUID(a.classes["CP"])
    sophie = api(a.parents["cp"].token)
    assert "children" not in (await sophie.get(f"/api/media/{media['id']}")).json()
    # A family that sees the photo may not tag; the director may; other schools do not know it.
    assert (await sophie.put(f"/api/media/{media['id']}/children", json={"child_ids": []})).status_code == 403
    director = api(a.director.token)
    assert (
        await director.put(f"/api/media/{media['id']}/children", json={"child_ids": []})
    ).status_code == 200
    assert (await store.tags_of(db, [media_id]))[media_id] == []
    for token in (world.b.director.token, a.teachers["CE1"].token):  # CE1: does not see it
        response = await api(token).put(f"/api/media/{media['id']}/children", json={"child_ids": [hugo]})
        assert response.status_code == 404
    # Only children of the photo's school, by their ids.
    for child_ids in ([world.b.children["Jade"]], [str(uuid.uuid4())], ["Léa"]):
        refused = await teacher.put(f"/api/media/{media['id']}/children", json={"child_ids": child_ids})
        assert refused.status_code == 422 and "child_ids" in refused.json()["error"]["fields"]
    assert (
        await teacher.put(f"/api/media/{media['id']}/children", json={"child_ids": "x"})
    ).status_code == 422
    unknown = await teacher.put(f"/api/media/{uuid.uuid4()}/children", json={"child_ids": []})
    assert unknown.status_code == 404


# -- what the blog and the cahier call ----------------------------------------


async def test_attachable(api, db, world):
    a = world.a
    sophie_upload = await uploaded(api(a.parents["cp"].token))
    marc_upload = await uploaded(api(a.parents["ce1"].token))
    teacher_upload = await uploaded(api(a.teachers["CP"].token))
    b_upload = await uploaded(api(world.b.parents["cm1"].token))
    sophie = await get_user(db, uuid.UUID(a.parents["cp"].user_id))
    teacher = await get_user(db, uuid.UUID(a.teachers["CE1"].user_id))
    ids = {name: uuid.UUID(m["id"]) for name, m in
           (("sophie", sophie_upload), ("marc", marc_upload), ("teacher", teacher_upload), ("b", b_upload))}  # fmt: skip

    hugo = uuid.UUID(a.children["Hugo"])
    assert [
        r["id"]
        for r in await store.attachable(db, sophie, [ids["sophie"]], school_id=uuid.UUID(a.id), child_id=hugo)
    ] == [ids["sophie"]]
    assert await store.attachable(db, sophie, [], school_id=uuid.UUID(a.id), child_id=None) == []
    # The staff attach the photos of their school they see, in the order given (strings too);
    # the uploader sees their own (a family's are item 7's: tests/integration/test_media_attach.py).
    cp_teacher = await get_user(db, uuid.UUID(a.teachers["CP"].user_id))
    rows = await store.attachable(
        db, cp_teacher, [str(ids["teacher"])], school_id=uuid.UUID(a.id), child_id=None
    )
    assert [r["id"] for r in rows] == [ids["teacher"]]
    assert store.media_to_api(rows[0]) == teacher_upload
    for user, media_ids in (
        (sophie, [ids["marc"]]),  # another family's photo
        (sophie, [ids["sophie"], ids["teacher"]]),  # a teacher's photo, for a parent
        (teacher, [ids["marc"]]),  # a family's photo the CE1 teacher does not see
        (teacher, [ids["teacher"]]),  # another teacher's, shown nowhere
        (teacher, [ids["b"]]),  # another school's
        (teacher, [uuid.uuid4()]),
        (teacher, ["pas-un-id"]),
        (teacher, [ids["marc"], ids["marc"]]),
        (teacher, [uuid.uuid4() for _ in range(21)]),
    ):
        with pytest.raises(ApiError) as refused:
            await store.attachable(db, user, media_ids, school_id=uuid.UUID(a.id), child_id=None)
        assert refused.value.status == 422 and "media_ids" in refused.value.fields
    assert (await store.by_ids(db, [ids["b"], uuid.uuid4()])).keys() == {ids["b"]}
    views = await store.tag_views(db, [ids["sophie"]])
    assert views == {ids["sophie"]: []}
    assert store.media_to_api(rows[0], views[ids["sophie"]])["children"] == []


async def test_a_failed_insert_leaves_no_files(server, db, world):
    """Files first, then the row: when the row cannot be written (here a school
    that does not exist), the files written for it are removed."""
    stranger = User(uuid.uuid4(), "personne", "parent", uuid.uuid4(), "Personne")
    before = media_files(server.settings.media_root)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await service.save(db, server.settings.media_root, stranger, images.process(photos.jpeg()), None)
    assert media_files(server.settings.media_root) == before
