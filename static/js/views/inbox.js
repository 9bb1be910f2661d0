// The inbox: unread first, then by last activity; live; a child filter for
// families with several children.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, when, longDay, time, rendered, toast } from "../dom.js";
import { pushState, enablePush } from "../push.js";

export const KINDS = {
  direct: ["message", "Message"],
  announcement: ["announce", "Annonce"],
  signup: ["signup", "Inscription"],
  absence: ["absence", "Absence"],
};

export function concerns(thread, child) {
  if (thread.child_id) return thread.child_id === child.id;
  return thread.whole_school || thread.class_ids.includes(child.class_id);
}

export default async function inbox(main, params, app) {
  const threads = new Map();
  let next = null;
  let filter = params.child || "";
  const list = h("ul", { class: "threads", "aria-live": "polite", "aria-relevant": "additions" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Voir les messages plus anciens");
  const empty = h("p", { class: "empty", hidden: true }, "Aucun message pour l'instant.");

  async function load(cursor) {
    const page = await api("GET", `/api/threads?limit=50${cursor ? `&next=${encodeURIComponent(cursor)}` : ""}`);
    for (const thread of page.threads) threads.set(thread.id, thread);
    next = page.next;
    draw();
  }

  function draw() {
    const children = app.me.children;
    const child = children.find((c) => c.id === filter);
    const shown = [...threads.values()]
      .filter((t) => !child || concerns(t, child))
      .sort((a, b) => (b.unread > 0) - (a.unread > 0) || b.last_activity_at.localeCompare(a.last_activity_at));
    list.replaceChildren(...shown.map((t) => row(t, app)));
    empty.hidden = shown.length > 0;
    more.hidden = !next;
  }

  more.addEventListener("click", () => load(next));
  main.append(h("div", { class: "heading" }, h("h1", { tabindex: "-1" }, "Messages"), actions(app)));
  if (app.isFamily() && app.me.children.length > 1) main.append(childFilter(app, filter, (id) => { filter = id; draw(); }));
  main.append(list, empty, more);
  await load(null);
  pushInvitation().then((card) => { if (card) list.before(card); });
  if (app.isStaff()) scheduledList().then((section) => { if (section) main.append(section); });

  const stops = [
    app.live.on(EVENT.THREAD_CREATED, (thread) => { threads.set(thread.id, thread); draw(); }),
    app.live.on(EVENT.MESSAGE_CREATED, (message) => {
      const thread = threads.get(message.thread_id);
      if (!thread) { refreshOne(message.thread_id); return; }
      thread.last_seq = Math.max(thread.last_seq, message.seq);
      thread.last_activity_at = message.created_at;
      if (message.author.id !== app.me.user.id) thread.unread = thread.last_seq - thread.read_seq;
      draw();
    }),
    app.live.on(EVENT.RECEIPT_UPDATED, (receipt) => {
      const thread = threads.get(receipt.thread_id);
      if (!thread || receipt.user_id !== app.me.user.id) return;
      thread.read_seq = Math.max(thread.read_seq, receipt.read_seq);
      thread.unread = Math.max(thread.last_seq - thread.read_seq, 0);
      draw();
    }),
    app.live.on(EVENT.ACK_CREATED, (ack) => {
      const thread = threads.get(ack.thread_id);
      if (thread && app.isFamily()) { thread.acked_at = ack.acked_at; draw(); }
    }),
    app.live.on(EVENT.MESSAGE_RECALLED, () => load(null)),
  ];

  async function refreshOne(id) {
    try {
      const { thread } = await api("GET", `/api/threads/${id}`);
      // Opening it marks nothing read: reading is only recorded by POST /read.
      threads.set(id, thread);
      draw();
    } catch { /* not visible to us */ }
  }

  rendered(main, "inbox", "Messages");
  return () => stops.forEach((stop) => stop());
}

// Most families never open the settings: the inbox offers notifications once,
// from a button (browsers only ask for permission after a tap).
const INVITE_DISMISSED = "liaison.push-invite-dismissed";

async function pushInvitation() {
  if (localStorage.getItem(INVITE_DISMISSED) || (await pushState()) !== "off") return null;
  const prefs = await api("GET", "/api/me/preferences").catch(() => null);
  if (!prefs?.push) return null;
  const card = h("aside", { class: "card invite", "aria-label": "Notifications" },
    h("p", {}, "Être prévenu(e) sur ce téléphone à chaque nouveau message de l'école ?"));
  const later = () => { localStorage.setItem(INVITE_DISMISSED, "1"); card.remove(); };
  card.append(h("div", { class: "actions" },
    h("button", { type: "button", onclick: async () => {
      try { await enablePush(api); toast("Notifications activées."); card.remove(); } catch (failure) { toast(failure.message); later(); }
    } }, "Activer les notifications"),
    h("button", { type: "button", class: "secondary", onclick: later }, "Plus tard")));
  return card;
}

// Messages written to go later (send_at): listed, and cancellable until they go.
async function scheduledList() {
  const { scheduled } = await api("GET", "/api/scheduled").catch(() => ({ scheduled: [] }));
  if (!scheduled.length) return null;
  const section = h("section", { class: "scheduled", "aria-labelledby": "scheduled-title" },
    h("h2", { id: "scheduled-title" }, "Programmés"));
  const list = h("ul", { class: "threads" });
  for (const item of scheduled) {
    const row = h("li", { class: "thread", dataset: { scheduledId: item.id } },
      h("div", { class: "scheduled-row" },
        h("span", { class: "summary" }, h("span", { class: "subject" }, item.subject || "Message dans une conversation"),
          h("span", { class: "meta" }, `Envoi le ${longDay(item.send_at)} à ${time(item.send_at)}`)),
        h("button", { type: "button", class: "secondary", onclick: async () => {
          if (!confirm("Annuler l'envoi de ce message ?")) return;
          try { await api("DELETE", `/api/scheduled/${item.id}`); row.remove(); toast("Envoi annulé."); } catch (failure) { toast(failure.message); }
        } }, "Annuler")));
    list.append(row);
  }
  section.append(list);
  return section;
}

function actions(app) {
  if (app.isFamily()) {
    return h("div", { class: "actions" },
      h("a", { class: "button", href: "#/absence" }, icon("absence"), "Signaler une absence"),
      h("a", { class: "button secondary", href: "#/write" }, icon("write"), "Écrire à l'école"),
      app.me.classes.length ? h("a", { class: "button secondary", href: "#/blog" }, icon("blog"), "Blog de la classe") : null);
  }
  if (app.isStaff()) {
    return h("div", { class: "actions" }, h("a", { class: "button", href: "#/write" }, icon("write"), "Nouveau message"));
  }
  return null;
}

function childFilter(app, current, choose) {
  const group = h("div", { class: "chips", role: "group", "aria-label": "Afficher les messages de" });
  const options = [["", "Tous"], ...app.me.children.map((c) => [c.id, c.first_name])];
  for (const [id, label] of options) {
    const chip = h("button", { type: "button", class: "chip", "aria-pressed": String(id === current) }, label);
    chip.addEventListener("click", () => {
      for (const other of group.children) other.setAttribute("aria-pressed", "false");
      chip.setAttribute("aria-pressed", "true");
      choose(id);
    });
    group.append(chip);
  }
  return group;
}

function row(thread, app) {
  const [iconName, kindLabel] = KINDS[thread.kind] || KINDS.direct;
  const toSign = app.isFamily() && thread.require_ack && !thread.acked_at;
  const child = thread.child_id && app.childName(thread.child_id);
  const unread = thread.unread > 0;
  return h("li", { class: `thread${unread ? " unread" : ""}${thread.urgent ? " urgent" : ""}`, dataset: { threadId: thread.id } },
    h("a", { href: `#/threads/${thread.id}` },
      h("span", { class: `kind kind-${thread.kind}`, title: kindLabel }, icon(iconName), h("span", { class: "sr-only" }, `${kindLabel}${thread.urgent ? " urgente" : ""}. `)),
      h("span", { class: "summary" },
        h("span", { class: "subject" }, thread.subject),
        h("span", { class: "meta" }, thread.author.id === app.me.user.id ? "Vous" : thread.author.display_name, child ? ` · ${child}` : "")),
      h("span", { class: "side" },
        h("time", { datetime: thread.last_activity_at }, when(thread.last_activity_at)),
        unread ? h("span", { class: "badge" }, h("span", { class: "sr-only" }, "non lus : "), String(thread.unread)) : null,
        toSign ? h("span", { class: "tag sign" }, "À signer") : null)));
}
