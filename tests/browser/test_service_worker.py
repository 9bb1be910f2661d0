"""The service worker (static/sw.js): the app shell offline, Web Push, and a
notification's click that opens its thread in the app already open.

Pushes are handed to the worker by Chromium's DevTools protocol
(ServiceWorker.deliverPushMessage), as a push service would after decrypting
them: the payload is the JSON that liaison/delivery/worker.py sends.
"""

from __future__ import annotations

import asyncio
import json
import uuid

from playwright.async_api import BrowserContext, Page, Worker

from tests.browser.conftest import assert_no_page_errors
from tests.conftest import Clients
from tests.world import World, thread_and_message, write_direct

SHELL_CACHE_PREFIX = "liaison-shell-"

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return (await registration.getNotifications()).map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data, icon: n.icon, badge: n.badge,
    requireInteraction: n.requireInteraction, renotify: n.renotify,
  }));
}"""


async def controlled(page: Page) -> None:
    """The app registered /sw.js and the worker controls the page (clients.claim, no reload)."""
    await page.wait_for_function(
        "navigator.serviceWorker.controller?.scriptURL === location.origin + '/sw.js'"
        " && navigator.serviceWorker.controller.state === 'activated'"
    )


async def service_worker(context: BrowserContext) -> Worker:
    for worker in context.service_workers:
        if worker.url.endswith("/sw.js"):
            return worker
    return await context.wait_for_event("serviceworker", predicate=lambda w: w.url.endswith("/sw.js"))


async def new_thread(api: Clients, world: World, urgent: bool = False) -> dict:
    """A teacher writes to Hugo's family (the "cp" parent): a real thread to open."""
    teacher = api(world.a.teachers["CP"].token)
    subject = f"Sortie au musée {uuid.uuid4().hex[:6]}"
    response = await write_direct(
        teacher,
        world.a.children["Hugo"],
        subject,
        "Pensez au pique-nique. Ce texte ne doit jamais paraître dans une notification.",
        client_id=str(uuid.uuid4()),
    )
    thread, _ = thread_and_message(response)
    return {
        # What the delivery worker sends (liaison/delivery/worker.py, _send_push).
        "title": world.a.teachers["CP"].display_name,
        "body": subject,
        "thread_id": thread["id"],
        "url": f"/#/threads/{thread['id']}",
        "urgent": urgent,
    }


class PushDevTools:
    """Delivers push messages to the page's service worker registration via CDP."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.registration: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def start(self) -> PushDevTools:
        self.cdp = await self.page.context.new_cdp_session(self.page)
        self.cdp.on("ServiceWorker.workerRegistrationUpdated", self._registrations)
        await self.cdp.send("ServiceWorker.enable")  # reports the existing registrations
        await asyncio.wait_for(asyncio.shield(self.registration), 10)
        return self

    def _registrations(self, params: dict) -> None:
        for registration in params["registrations"]:
            if registration["scopeURL"] == self.origin + "/" and not registration["isDeleted"]:
                if not self.registration.done():
                    self.registration.set_result(registration["registrationId"])

    async def deliver(self, data: str) -> None:
        await self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self.origin, "registrationId": self.registration.result(), "data": data},
        )


async def wait_notifications(page: Page, predicate: str, timeout_ms: int = 10_000) -> list[dict]:
    """Wait until the notifications shown (a list `ns`) satisfy `predicate`; return them.

    Polled in the page: getNotifications() is a promise, which wait_for_function
    would take as an immediate truthy answer.
    """
    result = await page.evaluate(
        f"""async () => {{
          const list = {NOTIFICATIONS};
          const deadline = Date.now() + {timeout_ms};
          for (;;) {{
            const ns = await list();
            if ({predicate}) return {{ok: true, ns}};
            if (Date.now() > deadline) return {{ok: false, ns}};
            await new Promise((resolve) => setTimeout(resolve, 50));
          }}
        }}"""
    )
    assert result["ok"], f"notifications never satisfied {predicate}: {result['ns']}"
    return result["ns"]


async def test_app_shell_works_offline(open_app, server, world):
    page = await open_app(server, login=world.a.parents["cp"].login)
    await controlled(page)
    shell = await page.evaluate(
        """async (prefix) => {
          const names = (await caches.keys()).filter((name) => name.startsWith(prefix));
          const cache = await caches.open(names[0]);
          return {names, paths: (await cache.keys()).map((r) => new URL(r.url).pathname)};
        }""",
        SHELL_CACHE_PREFIX,
    )
    assert len(shell["names"]) == 1, shell
    paths = set(shell["paths"])
    assert {"/", "/index.html", "/app.css", "/manifest.webmanifest", "/js/app.js", "/js/push.js"} <= paths
    context = page.context
    worker = await service_worker(context)
    # Every file of sw.js's SHELL list exists (a renamed view would be missing offline).
    missing = set(await worker.evaluate("SHELL")) - paths
    assert not missing, f"sw.js SHELL lists files that are not served: {sorted(missing)}"

    await context.set_offline(True)
    # The worker itself is offline too: what follows comes from its cache, not the server.
    assert await worker.evaluate("fetch('/healthz').then(() => 'online', () => 'offline')") == "offline"

    await page.reload()
    await page.wait_for_function("document.documentElement.dataset.view")  # app.js ran and rendered
    assert "Liaison" in await page.title()
    assert await page.evaluate("navigator.serviceWorker.controller !== null")
    statuses = await page.evaluate(
        "paths => Promise.all(paths.map((p) => fetch(p).then((r) => r.status, () => 'failed')))",
        sorted(paths),
    )
    assert set(statuses) == {200}, dict(zip(sorted(paths), statuses, strict=True))
    # Live data is never answered from a cache.
    assert await page.evaluate("fetch('/api/me').then((r) => r.status, () => 'failed')") == "failed"
    cached = await page.evaluate(
        """async () => {
          const all = [];
          for (const name of await caches.keys())
            for (const r of await (await caches.open(name)).keys()) all.push(new URL(r.url).pathname);
          return all;
        }"""
    )
    assert not [p for p in cached if p.startswith(("/api", "/ws", "/media", "/calendar"))], cached

    await context.set_offline(False)


async def test_push_shows_a_notification(open_app, server, world, api):
    payload = await new_thread(api, world)
    page = await open_app(server, login=world.a.parents["cp"].login, permissions=["notifications"])
    await controlled(page)
    devtools = await PushDevTools(page, server.url).start()

    await devtools.deliver(json.dumps(payload, ensure_ascii=False))
    [shown] = await wait_notifications(page, "ns.length === 1")
    assert shown["title"] == payload["title"]
    assert shown["body"] == payload["body"]
    assert "pique-nique" not in json.dumps(shown)
    assert shown["tag"] == payload["thread_id"]
    assert shown["data"] == {"url": payload["url"]}
    assert shown["icon"] == server.url + "/icons/icon-192.png"
    assert shown["badge"] == server.url + "/icons/badge-72.png"
    assert shown["renotify"] is True
    assert shown["requireInteraction"] is False

    # A newer push about the same thread replaces the notification; an urgent one stays until seen.
    newer = {**payload, "body": "Rappel : signature attendue — " + payload["body"], "urgent": True}
    await devtools.deliver(json.dumps(newer, ensure_ascii=False))
    [shown] = await wait_notifications(page, f"ns.length === 1 && ns[0].body === {json.dumps(newer['body'])}")
    assert shown["tag"] == payload["thread_id"]
    assert shown["requireInteraction"] is True

    # Something that is not our JSON still gives a plain notification, and no link elsewhere.
    await devtools.deliver("pas du JSON")
    shown = await wait_notifications(page, "ns.length === 2")
    plain = next(n for n in shown if n["tag"] == "")
    assert (plain["title"], plain["body"], plain["data"]) == (
        "Liaison",
        "Nouveau message",
        {"url": "/#/inbox"},
    )
    await devtools.deliver(json.dumps({"title": "Hameçon", "url": "https://example.com/#/threads/1"}))
    shown = await wait_notifications(page, "ns.some((n) => n.title === 'Hameçon')")
    assert next(n for n in shown if n["title"] == "Hameçon")["data"] == {"url": "/#/inbox"}

    assert_no_page_errors(page)


async def test_notification_click_opens_the_thread(open_app, server, world, api):
    payload = await new_thread(api, world)
    page = await open_app(server, login=world.a.parents["cp"].login, permissions=["notifications"])
    await controlled(page)
    assert not (await page.evaluate("location.hash")).startswith("#/threads/")
    # Every route the page goes through, even one the router would change again.
    await page.evaluate(
        """() => {
          window.routesSeen = [];
          addEventListener('hashchange', (e) => window.routesSeen.push(new URL(e.newURL).hash));
        }"""
    )
    devtools = await PushDevTools(page, server.url).start()
    await devtools.deliver(json.dumps(payload, ensure_ascii=False))
    await wait_notifications(page, "ns.length === 1")

    worker = await service_worker(page.context)
    await worker.evaluate(
        """async (tag) => {
          const [notification] = await self.registration.getNotifications({tag});
          self.dispatchEvent(new NotificationEvent('notificationclick', {notification}));
        }""",
        payload["thread_id"],
    )
    route = f"#/threads/{payload['thread_id']}"
    await page.wait_for_function("route => window.routesSeen.includes(route)", arg=route, timeout=10_000)
    assert await page.evaluate("location.hash") == route
    # The click closed the notification; the same page was used, no new window.
    await wait_notifications(page, "ns.length === 0")
    assert page.context.pages == [page]
    assert_no_page_errors(page)
