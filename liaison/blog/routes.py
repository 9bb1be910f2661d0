"""The class blog over HTTP: parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison.accounts.auth import require_user
from liaison.blog import access as _access  # noqa: F401  (registers the blog's media holder)
from liaison.blog import service
from liaison.blog.policy import ClassAction, PostAction
from liaison.core.context import Context
from liaison.web.requests import Body, nonblank, parse_body, query_cursor, query_int, storable, trimmed
from liaison.web.routing import route

MAX_BODY = 20_000
LIST_DEFAULT, LIST_MAX = 50, 200


MediaIds = list[str]


class NewPost(Body):
    title: Annotated[str, trimmed(200)]
    body: str = Field(default="", max_length=MAX_BODY)  # a title and photos may say it all
    media_ids: MediaIds = Field(default_factory=list, max_length=service.MAX_MEDIA)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    _checked = field_validator("title")(nonblank)
    _storable_text = field_validator("body", "client_id")(storable)


class PostChange(Body):
    title: Annotated[str, trimmed(200)] | None = None
    body: str | None = Field(default=None, max_length=MAX_BODY)
    media_ids: MediaIds | None = Field(default=None, max_length=service.MAX_MEDIA)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        return None if value is None else nonblank(value)

    _storable_text = field_validator("body")(storable)


class Review(Body):
    comment: Annotated[str, trimmed(2000, lines=True)]  # a reason, in a few lines

    _checked = field_validator("comment")(nonblank)


class NewComment(Body):
    body: str = Field(min_length=1, max_length=5000)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)

    _checked = field_validator("body")(nonblank)
    _storable_id = field_validator("client_id")(storable)


async def class_posts(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    class_id = request.path_params["class_id"]
    if request.method == "POST":
        await service.check_class(ctx, user, class_id, ClassAction.CREATE)  # 404/403 before 422
        new = await parse_body(request, NewPost)
        post = await service.create(
            ctx, user, class_id, title=new.title, body=new.body,
            media_ids=service.media_uuids(new.media_ids), client_id=new.client_id,
        )  # fmt: skip
        return JSONResponse(post, status_code=201)
    limit = query_int(request, "limit", LIST_DEFAULT, 1, LIST_MAX)
    posts, following = await service.list_posts(ctx, user, class_id, limit, query_cursor(request))
    return JSONResponse({"posts": posts, "next": following})


async def one_post(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    post_id = request.path_params["post_id"]
    if request.method == "GET":
        return JSONResponse(await service.get(ctx, user, post_id))
    if request.method == "DELETE":
        await service.delete(ctx, user, post_id)
        return Response(status_code=204)
    await service.check_post(ctx, user, post_id, PostAction.EDIT)  # 404/403 before 422
    changes = await parse_body(request, PostChange)
    post = await service.edit(
        ctx, user, post_id, title=changes.title, body=changes.body,
        media_ids=None if changes.media_ids is None else service.media_uuids(changes.media_ids),
    )  # fmt: skip
    return JSONResponse(post)


async def publish(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await service.publish(Context.of(request), user, request.path_params["post_id"]))


async def reject(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    await service.check_post(ctx, user, request.path_params["post_id"], PostAction.REJECT)
    review = await parse_body(request, Review)
    return JSONResponse(await service.reject(ctx, user, request.path_params["post_id"], review.comment))


async def comments(request: Request) -> Response:
    user = await require_user(request)
    ctx = Context.of(request)
    await service.check_post(ctx, user, request.path_params["post_id"], PostAction.COMMENT)
    new = await parse_body(request, NewComment)
    created = await service.comment(ctx, user, request.path_params["post_id"], new.body, new.client_id)
    return JSONResponse(created, status_code=201)


async def one_comment(request: Request) -> Response:
    user = await require_user(request)
    await service.remove_comment(
        Context.of(request), user, request.path_params["post_id"], request.path_params["comment_id"]
    )
    return Response(status_code=204)


routes = [
    route("/api/classes/{class_id:uuid}/posts", GET=class_posts, POST=class_posts),
    route("/api/posts/{post_id:uuid}", GET=one_post, PATCH=one_post, DELETE=one_post),
    route("/api/posts/{post_id:uuid}/publish", POST=publish),
    route("/api/posts/{post_id:uuid}/reject", POST=reject),
    route("/api/posts/{post_id:uuid}/comments", POST=comments),
    route("/api/posts/{post_id:uuid}/comments/{comment_id:uuid}", DELETE=one_comment),
]
