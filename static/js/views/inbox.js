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

// Whether a thread is about a child: theirs, their class's, or their whole
// school's (a family with children in two schools: each child its own school's;
// an RPI's announcement, every school of the RPI: `school_ids`).
export function concerns(thread, child, schoolOf = (c) => c.school_id) {
  if (thread.child_id) return thread.child_id === child.id;
  if (thread.class_ids.includes(child.class_id)) return true;
  if (!thread.whole_school && !thread.rpi_id) return false;
  const school = schoolOf(child);
  const schools = thread.school_ids || [thread.school_id];
  return !school || schools.includes(school);
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
      .filter((t) => !child || concerns(t, child, app.childSchoolId))
      .sort((a, b) => (b.unread > 0) - (a.unread > 0) || b.last_activity_at.localeCompare(a.last_activity_at));
    list.replaceChildren(...shown.map((t) => row(t, app)));
    empty.hidden = shown.length > 0;
    more.hidden = !next;
  }

  more.addEventListener("click", () => load(next));
  // While a search shows its results, the inbox itself steps aside.
  const everyday = h("div", { class: "inbox-body" });
  const search = searchBox(app, params.q || "", (searching) => { everyday.hidden = searching; });
  main.append(h("div", { class: "heading" }, h("h1", { tabindex: "-1" }, "Messages"), search.form),
    ...[actions(app)].filter(Boolean), search.results, everyday);
  if (app.isFamily() && app.me.children.length > 1) everyday.append(childFilter(app, filter, (id) => { filter = id; draw(); }));
  everyday.append(list, empty, more);
  await Promise.all([load(null), search.run(params.q || "")]);
  pushInvitation().then((card) => { if (card) list.before(card); });
  if (app.isStaff()) scheduledList().then((section) => { if (section) everyday.append(section); });

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

// Search: a field in the inbox's heading; results replace the list while it
// holds words, each opening its thread at the message found. The words stay in
// the address (#/inbox?q=…), so that coming back from a thread shows them again.
const SEARCH_LIMIT = 30;

function searchBox(app, initial, toggle) {
  const input = h("input", {
    type: "search", id: "search-q", name: "q", value: initial, maxlength: "200",
    autocomplete: "off", enterkeyhint: "search", placeholder: "Rechercher",
  });
  const form = h("form", { class: "search", role: "search", novalidate: true },
    h("label", { for: "search-q", class: "sr-only" }, "Rechercher dans les messages"),
    input,
    h("button", { type: "submit", class: "secondary", title: "Rechercher" }, icon("search"), h("span", { class: "sr-only" }, "Rechercher")));
  const status = h("p", { class: "search-status", role: "status" });
  const list = h("ul", { class: "threads found" });
  const results = h("section", { class: "search-results", "aria-label": "Résultats de la recherche", hidden: true }, status, list);
  let shownFor = "";
  let asked = 0;
  let timer = null;

  async function run(typed) {
    clearTimeout(timer);
    const words = typed.trim();
    if (words === shownFor) return;
    shownFor = words;
    history.replaceState(history.state, "", words ? `#/inbox?q=${encodeURIComponent(words)}` : "#/inbox");
    const number = ++asked;
    if (!words) {
      results.hidden = true;
      list.replaceChildren();
      status.textContent = "";
      toggle(false);
      return;
    }
    results.hidden = false;
    toggle(true);
    results.setAttribute("aria-busy", "true");
    status.textContent = "Recherche…";
    try {
      const found = (await api("GET", `/api/search?q=${encodeURIComponent(words)}&limit=${SEARCH_LIMIT}`)).results;
      if (number !== asked) return;
      list.replaceChildren(...found.map((result) => resultRow(result, app)));
      status.textContent = !found.length ? `Aucun message ne contient « ${words} ».`
        : found.length === 1 ? `Un message trouvé pour « ${words} ».`
          : found.length === SEARCH_LIMIT ? `Les ${SEARCH_LIMIT} messages qui correspondent le mieux à « ${words} ».`
            : `${found.length} messages trouvés pour « ${words} ».`;
    } catch (failure) {
      if (number !== asked) return;
      shownFor = ""; // the same words may be tried again
      list.replaceChildren();
      status.textContent = failure.message;
    } finally {
      if (number === asked) results.removeAttribute("aria-busy");
    }
  }

  // As the words are typed (a pause of 350 ms), or at once with Enter.
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const words = input.value.trim();
    if (!words) run("");
    else if (words.length >= 2) timer = setTimeout(() => run(input.value), 350);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) { input.value = ""; run(""); }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(input.value); });
  return { form, results, run };
}

// A snippet's words found are between U+E000 and U+E001 (docs/api.md, Search):
// each piece goes in as text, the found ones in <mark>.
export function markedText(snippet) {
  const pieces = [];
  let marked = false;
  for (const piece of snippet.split(/([\uE000\uE001])/u)) {
    if (piece === "\uE000") marked = true;
    else if (piece === "\uE001") marked = false;
    else if (piece) pieces.push(marked ? h("mark", {}, piece) : piece);
  }
  return pieces;
}

function resultRow({ thread, message, snippet }, app) {
  const [iconName, kindLabel] = KINDS[thread.kind] || KINDS.direct;
  const author = message.author.id === app.me.user.id ? "Vous" : message.author.display_name;
  return h("li", { class: "thread result", dataset: { threadId: thread.id, seq: message.seq } },
    h("a", { href: `#/threads/${thread.id}?seq=${message.seq}` },
      h("span", { class: `kind kind-${thread.kind}`, title: kindLabel }, icon(iconName), h("span", { class: "sr-only" }, `${kindLabel}. `)),
      h("span", { class: "summary" },
        h("span", { class: "subject" }, thread.subject),
        h("span", { class: "snippet" }, markedText(snippet)),
        h("span", { class: "meta" }, author)),
      h("span", { class: "side" }, h("time", { datetime: message.created_at }, when(message.created_at)))));
}

// Most families never open the settings: the inbox offers notifications once,
// from a button (browsers only ask for permission after a tap).
const INVITE_DISMISSED = "liaison.push-invite-dismissed";

// What the invitation calls the device it is on.
export function thisDevice(nav = navigator) {
  const agent = nav.userAgent || "";
  if (nav.userAgentData?.mobile || /iPhone|iPod|Windows Phone|Android.+Mobile|Mobile.+Firefox/i.test(agent)) return "ce téléphone";
  if (/iPad|Android|Tablet/i.test(agent) || (/Macintosh/.test(agent) && nav.maxTouchPoints > 1)) return "cette tablette";
  return "cet ordinateur";
}

async function pushInvitation() {
  if (localStorage.getItem(INVITE_DISMISSED) || (await pushState()) !== "off") return null;
  const prefs = await api("GET", "/api/me/preferences").catch(() => null);
  if (!prefs?.push) return null;
  const card = h("aside", { class: "card invite", "aria-label": "Notifications" },
    h("p", {}, `Recevoir chaque message de l'école en notification sur ${thisDevice()} ?`));
  const later = () => { localStorage.setItem(INVITE_DISMISSED, "1"); card.remove(); };
  card.append(h("div", { class: "actions" },
    h("button", { type: "button", onclick: async () => {
      try { await enablePush(api); toast("Notifications activées."); card.remove(); } catch (failure) { toast(failure.message); later(); }
    } }, "Activer", h("span", { class: "sr-only" }, " les notifications")),
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
  if (app.isCirconscription()) {
    return h("div", { class: "actions" },
      h("a", { class: "button", href: "#/write/announcement" }, icon("write"), "Écrire aux équipes des écoles"),
      h("a", { class: "button secondary", href: "#/circonscription" }, icon("school"), "Mes écoles"));
  }
  return null;
}

// A chip's "Léa — École maternelle Jules-Ferry": the child (or class) above,
// the school under it in a lighter type (the dash only for screen readers).
export function chipText(label) {
  const [who, ...where] = label.split(" — ");
  return where.length ? [h("span", {}, who), h("span", { class: "sr-only" }, " — "), h("span", { class: "chip-school" }, where.join(" — "))] : label;
}

function childFilter(app, current, choose) {
  const group = h("div", { class: "chips", role: "group", "aria-label": "Afficher les messages de" });
  // Children in several schools: "Léa — École maternelle Jules-Ferry".
  const options = [["", "Tous"], ...app.me.children.map((c) => [c.id, app.childLabel(c)])];
  for (const [id, label] of options) {
    const chip = h("button", { type: "button", class: "chip", "aria-pressed": String(id === current) }, chipText(label));
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
  // Someone in several schools (a family, a shared teacher) reads which school wrote.
  const school = !thread.child_id && app.severalSchools() && app.schoolName(thread.school_id);
  const unread = thread.unread > 0;
  return h("li", { class: `thread${unread ? " unread" : ""}${thread.urgent ? " urgent" : ""}`, dataset: { threadId: thread.id } },
    h("a", { href: `#/threads/${thread.id}` },
      h("span", { class: `kind kind-${thread.kind}`, title: kindLabel }, icon(iconName), h("span", { class: "sr-only" }, `${kindLabel}${thread.urgent ? " urgente" : ""}. `)),
      h("span", { class: "summary" },
        h("span", { class: "subject" }, thread.subject),
        h("span", { class: "meta" }, thread.author.id === app.me.user.id ? "Vous" : thread.author.display_name, child ? ` · ${child}` : "", school ? ` · ${school}` : "")),
      h("span", { class: "side" },
        h("time", { datetime: thread.last_activity_at }, when(thread.last_activity_at)),
        unread ? h("span", { class: "badge" }, h("span", { class: "sr-only" }, "non lus : "), String(thread.unread)) : null,
        toSign ? h("span", { class: "tag sign" }, "À signer") : null)));
}

export { row as threadRow };
