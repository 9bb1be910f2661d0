"""Build schools and people through the public API, as a school would.

`build_world` makes two schools; school A has two classes (CP, CE1), a
director, a teacher per class, and families: one with a child in each class,
one per class; school B has one class and one family. Every account is
activated through its activation code, then signed in.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

from liaison.calendar.days import Calendar, Closure
from liaison.core.clock import paris_today
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD

PASSWORD = "cahier-de-liaison-2026"
# `make(token)`: an httpx client on the server, signed in with that token or not (the `api` fixture).
MakeClient = Callable[..., httpx.AsyncClient]


def new_uai() -> str:
    return f"{random.randint(0, 9_999_999):07d}" + random.choice("ABCDEFGHJKLMNPRSTUVWXYZ")


async def sign_in(client: httpx.AsyncClient, login: str, password: str) -> str:
    response = await client.post("/api/session", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


async def activate(client: httpx.AsyncClient, code: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/activate", json={"code": code, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


@dataclass
class Person:
    token: str
    user_id: str
    login: str
    display_name: str = ""


@dataclass
class School:
    id: str
    classes: dict[str, str] = field(default_factory=dict)  # name -> id
    director: Person | None = None
    teachers: dict[str, Person] = field(default_factory=dict)  # class name -> teacher
    parents: dict[str, Person] = field(default_factory=dict)  # label -> parent
    children: dict[str, str] = field(default_factory=dict)  # first name -> id


@dataclass
class World:
    admin: str
    a: School
    b: School


async def admin_token(anonymous: httpx.AsyncClient) -> str:
    return await sign_in(anonymous, ADMIN_LOGIN, ADMIN_PASSWORD)


async def create_school(admin: httpx.AsyncClient, name: str = "École Jean-Moulin") -> str:
    response = await admin.post("/api/schools", json={"name": name, "city": "Lyon", "uai": new_uai()})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def add_staff(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    school_id: str,
    role: str,
    name: str,
    classes: Iterable[str],
) -> Person:
    response = await client.post(
        f"/api/schools/{school_id}/staff",
        json={"role": role, "display_name": name, "class_names": list(classes)},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    token = await activate(anonymous, body["activation_code"])
    return Person(token, body["user"]["id"], body["login"], name)


async def school_with_director(make_client: MakeClient, name: str = "Mme Directrice") -> tuple[str, Person]:
    """A fresh school and its activated director."""
    anonymous = make_client()
    admin = make_client(await admin_token(anonymous))
    school_id = await create_school(admin)
    return school_id, await add_staff(admin, anonymous, school_id, "director", name, [])


def families(class_name: str, count: int, birth_date: str = "01/01/2020") -> list[tuple[str, ...]]:
    """Roster rows of `count` new families of the class: a child each, and a mother
    with an address of her own."""
    tag = uuid.uuid4().hex[:6]
    return [
        (class_name, f"Nom{tag}{i:02d}", "Enfant", birth_date, f"Nom{tag}{i:02d}", "Parent",
         f"p{i}.{tag}@example.fr", "Mère")
        for i in range(count)
    ]  # fmt: skip


def roster(rows: list[tuple[str, ...]]) -> bytes:
    header = "Classe;Nom élève;Prénom élève;Date naissance;Nom responsable;Prénom responsable;Courriel responsable;Lien"
    return ("\ufeff" + "\n".join([header, *(";".join(r) for r in rows)]) + "\n").encode()


async def import_roster(client: httpx.AsyncClient, school_id: str, data: bytes) -> httpx.Response:
    return await client.post(
        f"/api/schools/{school_id}/import", content=data, headers={"Content-Type": "text/csv"}
    )


async def build_world(make_client: MakeClient) -> World:
    anonymous = make_client()
    admin = await admin_token(anonymous)
    admin_client = make_client(admin)
    tag = uuid.uuid4().hex[:6]

    a = School(await create_school(admin_client))
    a.director = await add_staff(admin_client, anonymous, a.id, "director", f"Mme Directrice {tag}", [])
    director = make_client(a.director.token)
    a.teachers["CP"] = await add_staff(director, anonymous, a.id, "teacher", f"Mme Cépé {tag}", ["CP"])
    a.teachers["CE1"] = await add_staff(director, anonymous, a.id, "teacher", f"M. Céeun {tag}", ["CE1"])
    rows = [
        (
            "CP",
            f"Martin{tag}",
            "Léa",
            "12/03/2020",
            f"Martin{tag}",
            "Claire",
            f"claire.{tag}@example.fr",
            "Mère",
        ),
        ("CP", f"Martin{tag}", "Léa", "12/03/2020", f"Martin{tag}", "Paul", "", "Père"),
        (
            "CE1",
            f"Martin{tag}",
            "Inès",
            "2019-01-05",
            f"Martin{tag}",
            "Claire",
            f"claire.{tag}@example.fr",
            "Mère",
        ),
        (
            "CP",
            f"Petit{tag}",
            "Hugo",
            "01/09/2020",
            f"Petit{tag}",
            "Sophie",
            f"sophie.{tag}@example.fr",
            "Mère",
        ),
        (
            "CE1",
            f"Durand{tag}",
            "Noah",
            "30/06/2019",
            f"Durand{tag}",
            "Marc",
            f"marc.{tag}@example.fr",
            "Père",
        ),
    ]
    response = await import_roster(director, a.id, roster(rows))
    assert response.status_code == 200, response.text
    imported = response.json()
    by_name = {g["display_name"].split()[0]: g for g in imported["guardians"]}
    for label, first_name in (("both", "Claire"), ("cp", "Sophie"), ("ce1", "Marc")):
        guardian = by_name[first_name]
        token = await activate(anonymous, guardian["activation_code"])
        a.parents[label] = Person(token, guardian["user_id"], guardian["login"], guardian["display_name"])
    members = {}
    for class_name in ("CP", "CE1"):
        me = (await make_client(a.teachers[class_name].token).get("/api/me")).json()
        a.classes[class_name] = me["classes"][0]["id"]
        members[class_name] = (await director.get(f"/api/classes/{a.classes[class_name]}/members")).json()
        for child in members[class_name]["children"]:
            a.children[child["first_name"]] = child["id"]

    b = School(await create_school(admin_client, "École Victor-Hugo"))
    b.director = await add_staff(admin_client, anonymous, b.id, "director", f"M. Directeur {tag}", [])
    director_b = make_client(b.director.token)
    b.teachers["CM1"] = await add_staff(director_b, anonymous, b.id, "teacher", f"Mme Cémun {tag}", ["CM1"])
    response = await import_roster(
        director_b,
        b.id,
        roster(
            [
                (
                    "CM1",
                    f"Bernard{tag}",
                    "Jade",
                    "02/02/2017",
                    f"Bernard{tag}",
                    "Luc",
                    f"luc.{tag}@example.fr",
                    "Père",
                )
            ]
        ),
    )
    assert response.status_code == 200, response.text
    guardian = response.json()["guardians"][0]
    b.parents["cm1"] = Person(
        await activate(anonymous, guardian["activation_code"]), guardian["user_id"], guardian["login"]
    )
    b.children["Jade"] = guardian["children"][0]
    me = (await make_client(b.teachers["CM1"].token).get("/api/me")).json()
    b.classes["CM1"] = me["classes"][0]["id"]
    return World(admin=admin, a=a, b=b)


# -- threads, as the school's people write them ----------------------------------------------

ANNOUNCEMENT_SUBJECT = "Sortie au musée"
ANNOUNCEMENT_BODY = "Jeudi, sortie au musée des Confluences. Prévoir un pique-nique."
DIRECT_SUBJECT = "Question"
DIRECT_BODY = "Bonjour, une question."


def audience(class_ids: Sequence[str] | None = None) -> dict[str, object]:
    """These classes, or the whole school when none is named."""
    return {"class_ids": list(class_ids)} if class_ids else {"school": True}


def announcement(
    audience: object, subject: str = ANNOUNCEMENT_SUBJECT, body: str = ANNOUNCEMENT_BODY, **extra: object
) -> dict[str, object]:
    """The body of `POST /api/threads` for an announcement (`extra`: require_ack,
    client_id, urgent, slots with kind="signup", send_at... or wrong values, as sent)."""
    return {"kind": "announcement", "audience": audience, "subject": subject, "body": body, **extra}


def direct(
    child_id: object, subject: str = DIRECT_SUBJECT, body: str = DIRECT_BODY, **extra: object
) -> dict[str, object]:
    """The body of `POST /api/threads` for a direct thread about a child."""
    return {"kind": "direct", "child_id": child_id, "subject": subject, "body": body, **extra}


async def announce(
    client: httpx.AsyncClient,
    subject: str = ANNOUNCEMENT_SUBJECT,
    *,
    class_ids: Sequence[str] | None = None,
    body: str = ANNOUNCEMENT_BODY,
    **extra: object,
) -> httpx.Response:
    """This person posts an announcement to these classes (else the whole school)."""
    return await client.post("/api/threads", json=announcement(audience(class_ids), subject, body, **extra))


async def open_signup(
    client: httpx.AsyncClient,
    subject: str,
    slots: dict[str, int],
    *,
    class_ids: Sequence[str] | None = None,
    body: str = ANNOUNCEMENT_BODY,
    **extra: object,
) -> httpx.Response:
    """This person asks families to sign up: an announcement with slots to volunteer
    for (`slots`: each slot's label and capacity, in order)."""
    places = [{"label": label, "capacity": capacity} for label, capacity in slots.items()]
    return await announce(
        client, subject, class_ids=class_ids, body=body, kind="signup", slots=places, **extra
    )


async def write_direct(
    client: httpx.AsyncClient,
    child_id: str,
    subject: str = DIRECT_SUBJECT,
    body: str = DIRECT_BODY,
    **extra: object,
) -> httpx.Response:
    """This person starts a direct thread about the child."""
    return await client.post("/api/threads", json=direct(child_id, subject, body, **extra))


def thread_and_message(response: httpx.Response) -> tuple[dict, dict]:
    """The thread and its first message, of a create that must have succeeded."""
    assert response.status_code == 201, response.text
    return response.json()["thread"], response.json()["message"]


def named(a: School, *names: str) -> dict[str, Person]:
    """School A's people by the names the tests give them, in the order asked: Claire
    (Léa and Inès), Sophie (Hugo), Marc (Noah), the CP and CE1 teachers, the director."""
    people = {
        "claire": a.parents["both"],
        "sophie": a.parents["cp"],
        "marc": a.parents["ce1"],
        "cp": a.teachers["CP"],
        "ce1": a.teachers["CE1"],
    }
    if a.director is not None:
        people["director"] = a.director
    return {name: people[name] for name in names}


async def calendar_of(client: httpx.AsyncClient, school_id: str) -> Calendar:
    """The school's calendar (`GET /api/schools/{id}/calendar`) as the pure object the
    service uses: for tests whose times must fall on school days (digests, reminders,
    scheduled messages skip days off), whatever the day they run."""
    response = await client.get(f"/api/schools/{school_id}/calendar")
    assert response.status_code == 200, response.text
    body = response.json()
    closures = tuple(Closure(dt.date.fromisoformat(c["date"]), c["label"]) for c in body["closures"])
    return Calendar(zone=body["zone"], week=tuple(body["week"]), closures=closures)


# -- the roll call's days ---------------------------------------------------------------------------


def term_today() -> dt.date:
    """The day roll-call tests take as today: today, or, in the long summer
    holidays (no school day in the last 31 days, when no roll call can be taken),
    the last school day before them. The world's schools keep the default calendar."""
    today = paris_today()
    calendar = Calendar()
    if calendar.school_days(today - dt.timedelta(days=31), today):
        return today
    return calendar.school_days(today - dt.timedelta(days=120), today)[-1]


def roll_call_day(skip: int = 0) -> dt.date:
    """A school day a roll call may be taken for (`skip` school days before the latest)."""
    end = term_today()
    return Calendar().school_days(end - dt.timedelta(days=31), end)[-1 - skip]
