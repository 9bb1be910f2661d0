"""What many tests add to tests/world.py: photos (sent, tagged), a pupil's own
account, Paul (Léa's second guardian) activated, consents given, blog posts."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable

import httpx
from PIL import Image

from tests.world import MakeClient, Person, School, activate, import_roster, roster

Color = str | tuple[int, int, int]  # a name ("red") or RGB


def jpeg(color: Color = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


async def upload(client: httpx.AsyncClient, color: Color = "red") -> dict:
    """A photo sent by this person: `{"id", "url", "thumb_url", ...}`."""
    response = await client.post("/api/media", files={"file": ("photo.jpg", jpeg(color), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()


async def tag(client: httpx.AsyncClient, media_id: str, *child_ids: str) -> None:
    response = await client.put(f"/api/media/{media_id}/children", json={"child_ids": list(child_ids)})
    assert response.status_code == 200, response.text


async def make_pupil(make_client: MakeClient, school: School, first_name: str) -> Person:
    """The child's own account (role student), made by the director and activated."""
    director = make_client(school.director.token)
    response = await director.post(f"/api/children/{school.children[first_name]}/account")
    assert response.status_code == 201, response.text
    body = response.json()
    token = await activate(make_client(), body["activation_code"])
    return Person(token, body["user"]["id"], body["login"], first_name)


async def activate_paul(make_client: MakeClient, school: School) -> Person:
    """Paul, Léa's second guardian, has no email: importing his row again gives
    a fresh code for his paper letter (and creates nobody), with which he
    activates his account."""
    director = make_client(school.director.token)
    members = (await director.get(f"/api/classes/{school.classes['CP']}/members")).json()
    lea = next(c for c in members["children"] if c["first_name"] == "Léa")
    paul = next(g for g in lea["guardians"] if g["display_name"].startswith("Paul"))
    assert paul["activated"] is False
    birth = dt.date.fromisoformat(lea["birth_date"]).strftime("%d/%m/%Y")
    row = ("CP", lea["last_name"], "Léa", birth, lea["last_name"], "Paul", "", "Père")
    response = await import_roster(director, school.id, roster([row]))
    assert response.status_code == 200, response.text
    assert response.json()["children_created"] == response.json()["guardians_created"] == 0
    (entry,) = response.json()["guardians"]
    assert entry["user_id"] == paul["user_id"]
    return Person(await activate(make_client(), entry["activation_code"]), entry["user_id"], entry["login"])


async def consent(client: httpx.AsyncClient, child_id: str, granted: bool = True) -> dict:
    response = await client.put(f"/api/children/{child_id}/image-consent", json={"granted": granted})
    assert response.status_code == 200, response.text
    return response.json()


async def post(
    client: httpx.AsyncClient, class_id: str, title: str = "", media_ids: Iterable[str] = (), **extra: object
) -> httpx.Response:
    body = {"title": title or f"Article {uuid.uuid4().hex[:6]}", "body": "Nous avons planté des tulipes.",
            "media_ids": list(media_ids), **extra}  # fmt: skip
    return await client.post(f"/api/classes/{class_id}/posts", json=body)
