// The circonscription team's home (the IEN, the pedagogical advisers, the
// eRun): their schools with their classes, how far each school's families
// took up Liaison (GET /api/stats, the activation sorted, a table with its
// numbers), "Écrire aux équipes" (#/write/announcement: an announcement to
// the directors and teachers of their schools), and the messages of their
// inbox. They never see a family, a child or a family's conversation.
// The admin opens any circonscription's home from the territory page
// (#/circonscription?id=…).
import { api, ApiError } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, rendered } from "../dom.js";
import { threadRow } from "./inbox.js";

// Every school the user may see, as the server lists them (GET /api/schools:
// with the circonscription, the RPI and the classes where it gives them).
// Where that list is not served, the names come from the figures
// (GET /api/stats), so the screens still name each school.
export async function listSchools(scope = "platform") {
  try {
    const answer = await api("GET", "/api/schools");
    if (Array.isArray(answer?.schools)) return answer.schools;
  } catch (failure) {
    if (!(failure instanceof ApiError) || ![404, 405].includes(failure.status)) throw failure;
  }
  const figures = await api("GET", `/api/stats?scope=${encodeURIComponent(scope)}`).catch(() => null);
  return (figures?.schools || []).map((s) => ({ id: s.school_id, name: s.name }));
}

// "Circonscription de Lyon 3" reads right; a name that already says it stays as it is.
export function circonscriptionTitle(name) {
  return /^circonscription\b/i.test(name) ? name : `Circonscription ${name}`;
}

// "RPI des Trois Villages" as it is; "Trois Villages" becomes "RPI Trois Villages".
export function rpiTitle(name) {
  return /^rpi\b/i.test(name) ? name : `RPI ${name}`;
}

// A count and its noun: "1 classe", "4 classes", "aucune classe".
export function count(number, singular, plural = `${singular}s`, none = null) {
  if (!number && none) return none;
  return `${number} ${number > 1 ? plural : singular}`;
}

export function percent(part, whole) {
  return whole ? Math.round((100 * part) / whole) : null;
}

// The classes of a school as the server gives them: their names, and how many
// pupils when it counts them (per class or for the school).
function pupilsOf(klass) {
  for (const key of ["children_count", "pupil_count", "pupils_count", "child_count", "children", "pupils", "count"]) {
    if (typeof klass[key] === "number") return klass[key];
  }
  return null;
}

export function classSummary(school) {
  const classes = Array.isArray(school.classes) ? school.classes : [];
  const named = classes.map((c) => (typeof c === "string" ? c : c.name)).filter(Boolean);
  const counted = classes.map((c) => (typeof c === "object" ? pupilsOf(c) : null));
  const pupils = typeof school.children_count === "number" ? school.children_count
    : typeof school.pupil_count === "number" ? school.pupil_count
      : counted.length && counted.every((n) => n !== null) ? counted.reduce((a, b) => a + b, 0) : null;
  const classCount = typeof school.class_count === "number" ? school.class_count : classes.length;
  const parts = [];
  if (classCount || classes.length) parts.push(count(classCount, "classe"));
  if (pupils !== null) parts.push(count(pupils, "élève"));
  const line = parts.join(", ");
  const names = classes.map((c, i) => (counted[i] !== null && named[i] ? `${named[i]} (${counted[i]})` : named[i])).filter(Boolean);
  return { line, names: names.join(", ") };
}

// A bar that shows a rate: drawn beside its number, hidden from screen readers
// (the number says it). Its width is set through the CSSOM: the page's
// Content-Security-Policy forbids style attributes.
export function rateBar(rate) {
  const fill = h("span", { class: "rate-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, rate || 0))}%`;
  return h("span", { class: "rate-bar", "aria-hidden": "true" }, fill);
}

export default async function circonscription(main, params, app) {
  main.classList.add("screen");
  const { circonscriptions = [] } = await api("GET", "/api/circonscriptions");
  const wanted = params.id || app.me.user.circonscription_id;
  const mine = circonscriptions.find((c) => c.id === wanted) || (app.isCirconscription() ? circonscriptions[0] : null);
  if (!mine) {
    const title = "Circonscription";
    main.append(h("h1", { tabindex: "-1" }, title),
      h("p", { class: "empty" }, app.isAdmin()
        ? "Choisissez une circonscription depuis la page du territoire."
        : "Ce compte n'est rattaché à aucune circonscription."));
    if (app.isAdmin()) main.append(h("p", {}, h("a", { class: "button secondary", href: "#/territory" }, "Le territoire")));
    rendered(main, "circonscription", title);
    return undefined;
  }
  const title = circonscriptionTitle(mine.name);
  const ids = new Set(mine.school_ids || []);
  const scope = `circonscription:${mine.id}`;
  const [listed, figures, page] = await Promise.all([
    listSchools(scope),
    api("GET", `/api/stats?scope=${encodeURIComponent(scope)}`).catch(() => null),
    app.isCirconscription() ? api("GET", "/api/threads?limit=20") : Promise.resolve(null),
  ]);
  const schools = listed.filter((s) => ids.has(s.id) || s.circonscription_id === mine.id);
  // A school the list does not give (not served yet) still shows, named by the figures.
  for (const row of figures?.schools || []) {
    if (!schools.some((s) => s.id === row.school_id)) schools.push({ id: row.school_id, name: row.name });
  }
  // Each school's classes with their counts (GET /api/schools/{id}/overview:
  // counts only, never a child's name); a school whose overview fails shows without.
  await Promise.all(schools.map(async (school) => {
    if (school.classes) return;
    const overview = await api("GET", `/api/schools/${school.id}/overview`).catch(() => null);
    if (overview?.classes) school.classes = overview.classes;
  }));

  if (app.isAdmin()) main.append(h("a", { class: "back", href: "#/territory" }, "← Le territoire"));
  main.append(h("h1", { tabindex: "-1" }, title),
    h("p", { class: "tagline" }, `${count(schools.length, "école", "écoles", "Aucune école")} · leurs équipes et l'usage de Liaison par leurs familles`),
    h("div", { class: "actions page-links" },
      h("a", { class: "button", href: app.isAdmin() ? `#/write/announcement?circonscription=${mine.id}` : "#/write/announcement" },
        icon("write"), "Écrire aux équipes des écoles"),
      h("a", { class: "button secondary", href: `#/stats?scope=${encodeURIComponent(scope)}` }, icon("board"), "Le bilan détaillé")));

  main.append(schoolsSection(schools, figures, app, mine));
  let stop = null;
  if (page) {
    const section = inboxSection(page.threads || [], app);
    main.append(section.element);
    stop = section.stop;
  }
  rendered(main, "circonscription", title);
  return stop || undefined;
}

// The schools, the best adopted first: a table (the school with its classes,
// the families activated, the rate as a number and a bar).
function schoolsSection(schools, figures, app, mine) {
  const byId = new Map((figures?.schools || []).map((row) => [row.school_id, row]));
  const rateOf = (school) => {
    const row = byId.get(school.id);
    return row ? percent(row.families_activated, row.families) : null;
  };
  const sorted = [...schools].sort((a, b) => (rateOf(b) ?? -1) - (rateOf(a) ?? -1) || a.name.localeCompare(b.name, "fr"));
  const section = h("section", { class: "schools-box", "aria-labelledby": "schools-title" },
    h("h2", { id: "schools-title" }, "Les écoles"));
  if (!sorted.length) {
    section.append(h("p", { class: "empty" }, "Aucune école dans cette circonscription pour l'instant."));
    return section;
  }
  if (figures) {
    const total = figures.total || {};
    const rate = percent(total.families_activated || 0, total.families || 0);
    section.append(h("p", { class: "hint" }, rate === null
      ? "Aucune famille importée pour l'instant."
      : `Familles ayant activé leur compte : ${total.families_activated} sur ${total.families} (${rate} %), du ${frenchDay(figures.from)} au ${frenchDay(figures.to)}.`));
  } else {
    section.append(h("p", { class: "hint" }, "Les chiffres d'usage ne sont pas disponibles pour l'instant."));
  }
  const rows = sorted.map((school) => {
    const row = byId.get(school.id);
    const rate = rateOf(school);
    const summary = classSummary(school);
    const write = app.isCirconscription() || app.isAdmin()
      ? h("a", { class: "write-one", href: `#/write/announcement?school=${school.id}${app.isAdmin() ? `&circonscription=${mine.id}` : ""}` },
        "Écrire à l'équipe", h("span", { class: "sr-only" }, ` de ${school.name}`))
      : null;
    return h("tr", { dataset: { schoolId: school.id } },
      h("th", { scope: "row" },
        h("span", { class: "school-name" }, school.name),
        school.city ? h("span", { class: "school-city" }, school.city) : null,
        summary.line ? h("span", { class: "school-classes" }, summary.line, summary.names ? ` : ${summary.names}` : "") : null,
        write),
      h("td", { class: "number" }, row ? `${row.families_activated} sur ${row.families}` : "—"),
      h("td", { class: "rate" }, rate === null ? h("span", {}, "—") : [h("span", { class: "rate-number" }, `${rate} %`), rateBar(rate)]));
  });
  section.append(h("div", { class: "table-box" },
    h("table", { class: "schools-table" },
      h("caption", { class: "sr-only" }, "Les écoles de la circonscription, les mieux lancées d'abord"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "École"),
        h("th", { scope: "col" }, "Familles activées"),
        h("th", { scope: "col" }, "Taux"))),
      h("tbody", {}, rows))));
  return section;
}

function frenchDay(iso) {
  if (!iso) return "";
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

// Their messages: the announcements they wrote to the teams, and the answers.
function inboxSection(threads, app) {
  const shown = new Map(threads.map((t) => [t.id, t]));
  const list = h("ul", { class: "threads", "aria-live": "polite", "aria-relevant": "additions" });
  const empty = h("p", { class: "empty" }, "Aucun message pour l'instant. « Écrire aux équipes des écoles » en envoie un aux directeurs et aux enseignants.");
  const draw = () => {
    const sorted = [...shown.values()].sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at)).slice(0, 20);
    list.replaceChildren(...sorted.map((t) => threadRow(t, app)));
    empty.hidden = sorted.length > 0;
    list.hidden = !sorted.length;
  };
  draw();
  const element = h("section", { class: "team-inbox", "aria-labelledby": "team-inbox-title" },
    h("h2", { id: "team-inbox-title" }, "Messages aux équipes"), list, empty,
    h("p", {}, h("a", { class: "button secondary", href: "#/inbox" }, icon("inbox"), "Tous les messages")));
  const stops = [
    app.live.on(EVENT.THREAD_CREATED, (thread) => { shown.set(thread.id, thread); draw(); }),
    app.live.on(EVENT.MESSAGE_CREATED, (message) => {
      const thread = shown.get(message.thread_id);
      if (!thread) return;
      thread.last_seq = Math.max(thread.last_seq, message.seq);
      thread.last_activity_at = message.created_at;
      if (message.author.id !== app.me.user.id) thread.unread = thread.last_seq - thread.read_seq;
      draw();
    }),
  ];
  return { element, stop: () => stops.forEach((stop) => stop()) };
}
