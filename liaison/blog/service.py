"""What the blog does: gather the facts, ask the policy, write, tell.

Publishing (a teacher's new post, or a pupil's post validated) first checks
image consent: every child tagged on one of its photos must have the consent
of all its guardians, else 409 `consent_missing` and nothing is written.
A photo whose consent goes away later (a guardian withdraws it, or a child is
tagged afterwards) stays in the post for the class's staff, who see it marked
`withheld`, and for the child's own family (and the child's pupil account);
it is left out of the post for everyone else, and its URL answers them 404
(`access.py`): the one consent rule, `liaison.consent.policy.photo_visible`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from liaison.accounts import store as accounts
from liaison.activity import service as activity
from liaison.blog import policy, store
from liaison.blog.policy import ClassAction, ClassFacts, CommentAction, PostAction, PostFacts
from liaison.consent import policy as consent_policy
from liaison.consent import service as consent
from liaison.consent import store as consent_store
from liaison.core import replay as replays
from liaison.core.clock import iso
from liaison.core.context import Context
from liaison.core.errors import ApiError, ErrorCode, invalid, not_found
from liaison.core.events import EventType, NewEvent
from liaison.core.paging import Cursor, encode_cursor
from liaison.core.people import User
from liaison.media import store as media_store
from liaison.realtime.writer import Change, change
from liaison.storage.db import Conn, Connection

MAX_MEDIA = 20


# -- facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Klass:
    id: UUID
    school_id: UUID
    name: str
    facts: ClassFacts


async def class_of(conn: Conn, user: User, class_id: UUID) -> Klass:
    row = await store.class_facts(conn, user.id, class_id)
    if row is None:
        raise not_found()
    facts = ClassFacts(row["school_id"], row["teaches"], row["guardian"], row["pupil"])
    return Klass(row["id"], row["school_id"], row["name"], facts)


def post_facts(user: User, post: asyncpg.Record) -> PostFacts:
    return PostFacts(post["status"], post["author_id"] == user.id)


async def _open(
    conn: Conn, user: User, post_id: UUID, action: PostAction, *, lock: bool = False
) -> tuple[asyncpg.Record, Klass]:
    post = await store.get_post(conn, post_id, lock=lock)
    if post is None:
        raise not_found()
    klass = await class_of(conn, user, post["class_id"])
    policy.enforce(policy.post_decision(user, klass.facts, post_facts(user, post), action))
    return post, klass


async def check_class(ctx: Context, user: User, class_id: UUID, action: ClassAction) -> None:
    klass = await class_of(ctx.pool, user, class_id)
    policy.enforce(policy.class_decision(user, klass.facts, action))


async def check_post(ctx: Context, user: User, post_id: UUID, action: PostAction) -> None:
    """The answer (404, 403) before a body is read; the writes ask again under lock."""
    await _open(ctx.pool, user, post_id, action)


# -- views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whom a view is for: the class's staff see every photo (with its tags and
    whether it is withheld) and the review comment; others see the photos the
    consent rule shows them (`mine`: their own children, whose photos they see
    with or without consent), and the review comment of their own post."""

    staff: bool
    user_id: UUID | None
    mine: frozenset[UUID] = frozenset()


async def posts_view(
    conn: Conn, viewer: Viewer, posts: list[asyncpg.Record], *, comments: bool = False
) -> list[dict[str, Any]]:
    ids = [p["id"] for p in posts]
    media = await store.media_of_posts(conn, ids)
    media_ids = [m["id"] for rows in media.values() for m in rows]
    tags = await media_store.tags_of(conn, media_ids) if media_ids else {}
    tagged = list({c for children in tags.values() for c in children})
    lacking = {r["id"] for r in await consent_store.children_without_consent(conn, tagged)}
    names = await media_store.tag_views(conn, media_ids) if viewer.staff and media_ids else {}
    counts = await store.comment_counts(conn, ids)
    threads = {p["id"]: await store.comments_of(conn, p["id"]) for p in posts} if comments else {}
    people = await accounts.users_by_id(
        conn, list({p["author_id"] for p in posts} | {c["author_id"] for cs in threads.values() for c in cs})
    )
    views = []
    for post in posts:
        photos = []
        for row in media[post["id"]]:
            children = set(tags.get(row["id"], []))
            if not consent_policy.photo_visible(viewer.staff, children, lacking, viewer.mine):
                continue
            if viewer.staff:
                photo = media_store.media_to_api(row, names.get(row["id"], []))
                for child in photo["children"]:
                    child["consented"] = UUID(child["id"]) not in lacking
                # Read by every family of the class: withheld from all but the child's own.
                photos.append({**photo, "withheld": consent_policy.withheld(children, lacking)})
            else:
                photos.append(media_store.media_to_api(row, None))
        view = post_to_api(post, people.get(post["author_id"]), photos, counts.get(post["id"], 0))
        if not (viewer.staff or post["author_id"] == viewer.user_id):
            view["review_comment"] = None
        if comments:
            view["comments"] = [comment_to_api(c, people.get(c["author_id"])) for c in threads[post["id"]]]
        views.append(view)
    return views


async def post_view(
    conn: Conn, viewer: Viewer, post: asyncpg.Record, *, comments: bool = False
) -> dict[str, Any]:
    return (await posts_view(conn, viewer, [post], comments=comments))[0]


def post_to_api(
    post: asyncpg.Record, author: User | None, media: list[dict[str, Any]], comment_count: int
) -> dict[str, Any]:
    return {
        "id": str(post["id"]),
        "class_id": str(post["class_id"]),
        "author": author.to_api() if author else None,
        "title": post["title"],
        "body": post["body"],
        "status": post["status"],
        "review_comment": post["review_comment"],
        "media": media,
        "created_at": iso(post["created_at"]),
        "updated_at": iso(post["updated_at"]),
        "published_at": iso(post["published_at"]),
        "comment_count": comment_count,
    }


def comment_to_api(comment: asyncpg.Record, author: User | None) -> dict[str, Any]:
    return {
        "id": str(comment["id"]),
        "post_id": str(comment["post_id"]),
        "author": author.to_api() if author else None,
        "body": comment["body"],
        "created_at": iso(comment["created_at"]),
    }


async def viewer_of(conn: Conn, user: User, klass: Klass) -> Viewer:
    if klass.facts.is_staff(user):
        return Viewer(True, user.id)
    return Viewer(False, user.id, frozenset(await consent_store.own_children(conn, user.id, user.role)))


# -- telling --------------------------------------------------------------------------


async def _tell(current: Change, klass: Klass, post: asyncpg.Record, kind: EventType) -> None:
    """The post's event to those who see it, each with the view that is theirs:
    a published post to the class's audience, another one to its staff and author.
    The families and pupils whose own child is on a withheld photo get a view
    with that photo (`consent_policy.photo_visible`), the others one without."""
    staff = set(await store.class_staff(current.conn, klass.id, klass.school_id))
    author = post["author_id"]
    if post["status"] == "published":
        others = {
            *await store.class_guardians(current.conn, klass.id),
            *await store.class_pupils(current.conn, klass.id),
        }
    else:
        others = {author}
    others -= staff
    current.events.append(
        NewEvent(kind, await post_view(current.conn, Viewer(True, None), post), sorted(staff))
    )
    own = await _own_withheld(current.conn, post) if others else {}
    readers: dict[frozenset[UUID], list[UUID]] = defaultdict(list)
    for reader in sorted(others - {author}):
        readers[frozenset(own.get(reader, ()))].append(reader)
    for mine, ids in readers.items():
        current.events.append(
            NewEvent(kind, await post_view(current.conn, Viewer(False, None, mine), post), ids)
        )
    if author in others:  # the review comment is theirs
        viewer = Viewer(False, author, frozenset(own.get(author, ())))
        current.events.append(NewEvent(kind, await post_view(current.conn, viewer, post), [author]))


async def _own_withheld(conn: Connection, post: asyncpg.Record) -> dict[UUID, set[UUID]]:
    """The children on the post's photos who lack consent, by the readers
    whose own children they are (`consent_store.whose_own`)."""
    media_ids = await store.media_ids_of(conn, post["id"])
    tags = await media_store.tags_of(conn, media_ids) if media_ids else {}
    tagged = list({c for children in tags.values() for c in children})
    lacking = [c["id"] for c in await consent_store.children_without_consent(conn, tagged)]
    return await consent_store.whose_own(conn, lacking)


async def _audience(conn: Connection, klass: Klass, post: asyncpg.Record) -> list[UUID]:
    staff = await store.class_staff(conn, klass.id, klass.school_id)
    if post["status"] != "published":
        return list({*staff, post["author_id"]})
    return list(
        {*staff, *await store.class_guardians(conn, klass.id), *await store.class_pupils(conn, klass.id)}
    )


async def _published(current: Change, klass: Klass, post: asyncpg.Record) -> None:
    """Live to the class, and a grouped notice to its families."""
    await _tell(current, klass, post, EventType.POST_PUBLISHED)
    guardians = [g for g in await store.class_guardians(current.conn, klass.id) if g != post["author_id"]]
    # Not those whose letter is still at home: nothing could reach them.
    families = sorted(await accounts.activated_user_ids(current.conn, guardians))
    await activity.record(
        current.conn, families, school_id=klass.school_id, kind="blog", key=klass.id, name=klass.name,
        url=f"/#/blog/{klass.id}",
    )  # fmt: skip


async def _check_consent(conn: Connection, media_ids: list[UUID]) -> None:
    tags = await media_store.tags_of(conn, media_ids) if media_ids else {}
    await consent.require_consent(conn, {c for children in tags.values() for c in children})


def media_uuids(values: list[str]) -> list[UUID]:
    try:
        return [UUID(v) for v in values]
    except ValueError:
        raise invalid({"media_ids": "Photo inconnue."}) from None


# -- posts ----------------------------------------------------------------------------


async def _replay(ctx: Context, user: User, earlier: asyncpg.Record, class_id: UUID) -> dict[str, Any]:
    if earlier["class_id"] != class_id:
        raise replays.reused("un autre article")
    klass = await class_of(ctx.pool, user, class_id)
    return await post_view(ctx.pool, await viewer_of(ctx.pool, user, klass), earlier)


async def create(
    ctx: Context,
    user: User,
    class_id: UUID,
    *,
    title: str,
    body: str,
    media_ids: list[UUID],
    client_id: str | None,
) -> dict[str, Any]:
    async def earlier(client_id: str) -> asyncpg.Record | None:
        return await store.post_by_client_id(ctx.pool, user.id, client_id)

    async def replay(post: asyncpg.Record) -> dict[str, Any]:
        return await _replay(ctx, user, post, class_id)

    async def create() -> dict[str, Any]:
        klass = await class_of(ctx.pool, user, class_id)
        policy.enforce(policy.class_decision(user, klass.facts, ClassAction.CREATE))
        publish = klass.facts.is_staff(user)
        async with change(ctx.pool, ctx.bus, klass.school_id) as current:
            photos = await media_store.attachable(
                current.conn, user, media_ids, school_id=klass.school_id, child_id=None
            )
            chosen = [m["id"] for m in photos]
            if publish:
                await _check_consent(current.conn, chosen)
            post = await store.insert_post(
                current.conn, school_id=klass.school_id, class_id=klass.id, author_id=user.id, title=title,
                body=body, status="published" if publish else "submitted", client_id=client_id,
            )  # fmt: skip
            await store.set_media(current.conn, post["id"], chosen)
            if publish:
                await _published(current, klass, post)
            else:
                await _tell(current, klass, post, EventType.POST_SUBMITTED)
            return await post_view(current.conn, await viewer_of(current.conn, user, klass), post)

    return await replays.once(
        client_id, earlier=earlier, create=create, replay=replay, unique_index="posts_client_id"
    )


async def list_posts(
    ctx: Context, user: User, class_id: UUID, limit: int, after: Cursor | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the class's posts, and the next cursor if there are more."""
    klass = await class_of(ctx.pool, user, class_id)
    policy.enforce(policy.class_decision(user, klass.facts, ClassAction.LIST))
    viewer = await viewer_of(ctx.pool, user, klass)
    if after is None:
        await activity.seen(ctx.pool, user.id, "blog", klass.id)  # the notice waiting is read here
    rows = await store.list_posts(
        ctx.pool, klass.id, every_status=viewer.staff, viewer_id=user.id, limit=limit + 1, after=after
    )
    shown = rows[:limit]
    following = encode_cursor(shown[-1]["activity_at"], shown[-1]["id"]) if len(rows) > limit else None
    return await posts_view(ctx.pool, viewer, shown), following


async def get(ctx: Context, user: User, post_id: UUID) -> dict[str, Any]:
    post, klass = await _open(ctx.pool, user, post_id, PostAction.READ)
    return await post_view(ctx.pool, await viewer_of(ctx.pool, user, klass), post, comments=True)


async def _locked(
    current: Change, user: User, post_id: UUID, action: PostAction
) -> tuple[asyncpg.Record, Klass]:
    """The post, locked in `current`'s transaction, and the policy asked on it."""
    return await _open(current.conn, user, post_id, action, lock=True)


async def _school_of(ctx: Context, post_id: UUID) -> UUID:
    post = await store.get_post(ctx.pool, post_id)
    if post is None:
        raise not_found()
    school_id: UUID = post["school_id"]
    return school_id


async def edit(
    ctx: Context,
    user: User,
    post_id: UUID,
    *,
    title: str | None,
    body: str | None,
    media_ids: list[UUID] | None,
) -> dict[str, Any]:
    """The pupil author (while submitted or sent back: it goes back to the
    teacher) or the class's staff (any time; a published post stays published,
    and new photos are checked for consent)."""
    async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
        post, klass = await _locked(current, user, post_id, PostAction.EDIT)
        staff = klass.facts.is_staff(user)
        if media_ids is not None:
            if len(media_ids) > MAX_MEDIA or len(set(media_ids)) != len(media_ids):
                raise invalid({"media_ids": f"Au plus {MAX_MEDIA} photos, chacune une fois."})
            attached = set(await store.media_ids_of(current.conn, post["id"]))
            new = [m for m in media_ids if m not in attached]
            if new:
                await media_store.attachable(
                    current.conn, user, new, school_id=klass.school_id, child_id=None
                )
            if post["status"] == "published":
                await _check_consent(current.conn, media_ids)
            await store.set_media(current.conn, post["id"], media_ids)
        resubmit = not staff
        post = await store.update_post(
            current.conn, post["id"], title=title if title is not None else post["title"],
            body=body if body is not None else post["body"], resubmit=resubmit,
        )  # fmt: skip
        await _tell(current, klass, post, EventType.POST_SUBMITTED if resubmit else EventType.POST_UPDATED)
        return await post_view(current.conn, await viewer_of(current.conn, user, klass), post)


async def publish(ctx: Context, user: User, post_id: UUID) -> dict[str, Any]:
    async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
        post, klass = await _locked(current, user, post_id, PostAction.PUBLISH)
        if post["status"] != "published":
            await _check_consent(current.conn, await store.media_ids_of(current.conn, post["id"]))
            post = await store.publish(current.conn, post["id"])
            await _published(current, klass, post)
        return await post_view(current.conn, await viewer_of(current.conn, user, klass), post)


async def reject(ctx: Context, user: User, post_id: UUID, comment: str) -> dict[str, Any]:
    async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
        post, klass = await _locked(current, user, post_id, PostAction.REJECT)
        if post["status"] == "published":
            raise ApiError(
                409, ErrorCode.ALREADY_PUBLISHED, "Cet article est déjà publié : supprimez-le ou modifiez-le."
            )
        post = await store.reject(current.conn, post["id"], comment)
        await _tell(current, klass, post, EventType.POST_REJECTED)
        return await post_view(current.conn, await viewer_of(current.conn, user, klass), post)


async def delete(ctx: Context, user: User, post_id: UUID) -> None:
    async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
        post, klass = await _locked(current, user, post_id, PostAction.DELETE)
        audience = await _audience(current.conn, klass, post)
        await store.delete_post(current.conn, post["id"])
        current.events.append(
            NewEvent(EventType.POST_DELETED, {"id": str(post["id"]), "class_id": str(klass.id)}, audience)
        )


# -- comments -------------------------------------------------------------------------


async def comment(
    ctx: Context, user: User, post_id: UUID, body: str, client_id: str | None
) -> dict[str, Any]:
    async def earlier(client_id: str) -> asyncpg.Record | None:
        return await store.comment_by_client_id(ctx.pool, user.id, client_id)

    async def replay(comment: asyncpg.Record) -> dict[str, Any]:
        if comment["post_id"] != post_id:
            raise replays.reused("un autre commentaire")
        return comment_to_api(comment, user)

    async def create() -> dict[str, Any]:
        async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
            post, klass = await _locked(current, user, post_id, PostAction.COMMENT)
            row = await store.insert_comment(current.conn, post["id"], user.id, body, client_id)
            view = comment_to_api(row, user)
            current.events.append(
                NewEvent(EventType.COMMENT_CREATED, view, await _audience(current.conn, klass, post))
            )
        return view

    return await replays.once(
        client_id, earlier=earlier, create=create, replay=replay, unique_index="post_comments_client_id"
    )


async def remove_comment(ctx: Context, user: User, post_id: UUID, comment_id: UUID) -> None:
    async with change(ctx.pool, ctx.bus, await _school_of(ctx, post_id)) as current:
        post, klass = await _locked(current, user, post_id, PostAction.READ)
        found = await store.get_comment(current.conn, comment_id)
        if found is None or found["post_id"] != post["id"]:
            raise not_found()
        policy.enforce(
            policy.comment_decision(
                user, klass.facts, post_facts(user, post), found["author_id"] == user.id, CommentAction.REMOVE
            )
        )
        await store.delete_comment(current.conn, comment_id)
        current.events.append(
            NewEvent(
                EventType.COMMENT_REMOVED,
                {"id": str(comment_id), "post_id": str(post["id"])},
                await _audience(current.conn, klass, post),
            )
        )
