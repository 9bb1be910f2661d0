// Reporting an absence in three taps: which child, when, why. It goes through
// the outbox, so a report written on a bad morning network still arrives, once.
import { h, fill, icon, field, errorBox, showError, rendered, isoDay, addDays, longDay } from "../dom.js";
import { api, newClientId } from "../api.js";
import { de } from "../french.js";

const REASONS = [
  ["illness", "Malade"],
  ["medical", "Rendez-vous médical"],
  ["family", "Raison familiale"],
  ["other", "Autre raison"],
];
const PARTS = [["day", "Toute la journée"], ["morning", "Le matin"], ["afternoon", "L'après-midi"]];

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const weekday = (day) => WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()];

// Is `day` a school day of this calendar (`GET /api/schools/{id}/calendar`: its
// week, its zone's holidays and the public holidays, both ends included, and
// the director's closures)? Without a calendar (offline), Monday to Friday.
export function schoolDayOf(calendar) {
  if (!calendar) return (day) => !["sat", "sun"].includes(weekday(day));
  const closed = new Set(calendar.closures.map((c) => c.date));
  return (day) => calendar.week.includes(weekday(day)) && !closed.has(day)
    && !calendar.holidays.some((p) => p.start <= day && day <= p.end);
}

// The first school day from `day` on (`day` itself when it is one).
function nextSchoolDay(day, isSchoolDay) {
  let next = day;
  for (let i = 0; i < 400 && !isSchoolDay(next); i += 1) next = addDays(next, 1);
  return next;
}

const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export default async function absence(main, params, app) {
  const children = app.me.children;
  const choice = { child: params.child || (children.length === 1 ? children[0].id : null), start: null, end: null };
  const error = errorBox();
  const existing = h("div", { class: "existing" });
  const steps = h("div", { class: "steps" });
  main.append(h("h1", { tabindex: "-1" }, "Signaler une absence"), steps, error, existing);

  // Each school's calendar, once (a family may have children in two schools).
  const calendars = new Map();
  const schoolOf = (child) => (app.me.classes || []).find((c) => c.id === child?.class_id)?.school_id || app.me.school?.id;
  await Promise.all([...new Set(children.map(schoolOf))].filter(Boolean).map(async (schoolId) => {
    try { calendars.set(schoolId, schoolDayOf(await api("GET", `/api/schools/${schoolId}/calendar`))); } catch { /* offline: weekdays */ }
  }));
  const isSchoolDay = () => calendars.get(schoolOf(children.find((c) => c.id === choice.child) || children[0])) || schoolDayOf(null);

  function draw() {
    steps.replaceChildren(childStep(), whenStep(), reasonStep());
  }

  function choices(legend, options, current, pick, name) {
    return h("fieldset", { class: "choices" }, h("legend", {}, legend),
      options.map(([value, label]) => h("button", {
        type: "button", class: "choice", "aria-pressed": String(value === current), dataset: { [name]: value },
        onclick: () => { pick(value); draw(); steps.querySelector(`[data-${name}="${CSS.escape(value)}"]`)?.focus(); },
      }, label)));
  }

  function childStep() {
    if (children.length === 1) return h("p", { class: "chosen" }, `Pour ${children[0].first_name}`);
    return choices("1. Quel enfant ?", children.map((c) => [c.id, c.first_name]), choice.child, (id) => { choice.child = id; }, "child");
  }

  // The next two school days: "Aujourd'hui" and "Demain" on a school day; on a
  // Wednesday without school, a weekend or in the holidays, the days school resumes.
  function whenStep() {
    const today = isoDay();
    const first = nextSchoolDay(today, isSchoolDay());
    const second = nextSchoolDay(addDays(first, 1), isSchoolDay());
    const name = (day) => (day === today ? "Aujourd'hui" : day === addDays(today, 1) ? "Demain" : capitalize(longDay(day)));
    const span = choice.dates ? "dates" : choice.start && choice.start === choice.end ? choice.start : null;
    const box = h("div", {}, choices(`${children.length === 1 ? "1" : "2"}. Quand ?`,
      [[first, name(first)], [second, name(second)], ["dates", "Plusieurs jours"]], span, (value) => {
        choice.dates = value === "dates";
        choice.start = choice.dates ? first : value;
        choice.end = choice.dates ? second : value;
      }, "when"));
    if (choice.dates) {
      const start = h("input", { type: "date", name: "start", value: choice.start, min: today, required: true });
      const end = h("input", { type: "date", name: "end", value: choice.end, min: today, required: true });
      start.addEventListener("change", () => { choice.start = start.value; if (end.value < start.value) end.value = choice.end = start.value; });
      end.addEventListener("change", () => { choice.end = end.value; });
      box.append(h("div", { class: "row" }, field("Du", start), field("Au (inclus)", end)));
    }
    return box;
  }

  const part = h("select", { name: "part" }, PARTS.map(([value, label]) => h("option", { value }, label)));
  const note = h("textarea", { name: "note", rows: "2", maxlength: "2000" });
  const details = h("details", { class: "more" }, h("summary", {}, "Préciser (facultatif)"),
    field("Moment", part), field("Un mot pour l'enseignant", note, "Par exemple : il a de la fièvre depuis hier soir."));

  function reasonStep() {
    const ready = choice.child && choice.start;
    return h("fieldset", { class: "choices reasons", disabled: !ready },
      h("legend", {}, `${children.length === 1 ? "2" : "3"}. Pourquoi ? (cela envoie la déclaration)`),
      details,
      REASONS.map(([value, label]) => h("button", { type: "button", class: "choice send", dataset: { reason: value }, onclick: () => send(value) }, label)));
  }

  async function send(reason) {
    error.textContent = "";
    existing.replaceChildren();
    const body = { child_id: choice.child, start: choice.start, end: choice.end, part: part.value, reason, note: note.value.trim() };
    body.client_id = newClientId();
    try {
      const made = await app.outbox.submit("/api/absences", body);
      done(made);
      if (!made) follow(body.client_id);
    } catch (failure) {
      showError(error, failure);
      // Already reported (by the other parent, or earlier): show that one.
      const first = failure.code === "already_reported" ? failure.detail?.absence : null;
      if (first) {
        const span = first.start === first.end ? longDay(first.start) : `du ${longDay(first.start)} au ${longDay(first.end)}`;
        existing.append(h("p", {}, `Déjà signalée : ${first.child.display_name}, ${span}`,
          first.reported_by ? `, par ${first.reported_by.display_name}.` : "."),
        h("p", {}, h("a", { class: "button secondary", href: `#/threads/${first.thread_id}` }, "Voir cette déclaration")));
      }
    }
  }

  function done(made, { focus = true } = {}) {
    const child = children.find((c) => c.id === choice.child);
    const span = choice.start === choice.end ? longDay(choice.start) : `du ${longDay(choice.start)} au ${longDay(choice.end)}`;
    // fill, not replaceChildren, which writes a null as the text "null".
    fill(main,
      h("h1", { tabindex: "-1" }, made ? "C'est envoyé" : "En attente du réseau"),
      h("p", { class: "done", role: "status" }, icon("check"), made
        ? `L'école est prévenue de l'absence ${de(child.first_name)} (${span}).`
        : `Hors connexion : la déclaration pour ${child.first_name} partira dès le retour du réseau.`),
      made ? h("p", {}, h("a", { class: "button", href: `#/threads/${made.thread.id}` }, "Voir la déclaration et qui l'a lue")) : null,
      h("p", {}, h("a", { href: "#/inbox" }, "Retour aux messages")));
    if (focus) main.querySelector("h1").focus();
  }

  // Queued offline: while this screen is open, it says when the report has gone.
  function follow(clientId) {
    const stop = app.outbox.on("sent", ({ item, result }) => {
      if (item.body.client_id !== clientId) return;
      stop();
      if (main.isConnected) done(result, { focus: false });
    });
  }

  if (!children.length) {
    main.append(h("p", { class: "empty" }, "Aucun enfant n'est rattaché à votre compte."));
  } else {
    draw();
  }
  rendered(main, "absence", "Signaler une absence");
}
