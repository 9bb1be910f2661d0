// Reporting an absence in three taps: which child, when, why. It goes through
// the outbox, so a report written on a bad morning network still arrives, once.
import { h, icon, field, errorBox, showError, rendered, isoDay, addDays, longDay } from "../dom.js";

const REASONS = [
  ["illness", "Malade"],
  ["medical", "Rendez-vous médical"],
  ["family", "Raison familiale"],
  ["other", "Autre raison"],
];
const PARTS = [["day", "Toute la journée"], ["morning", "Le matin"], ["afternoon", "L'après-midi"]];

function isWeekend(day) {
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function nextSchoolDay(day) {
  let next = day;
  while (isWeekend(next)) next = addDays(next, 1);
  return next;
}

const capitalize = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export default async function absence(main, params, app) {
  const children = app.me.children;
  const choice = { child: params.child || (children.length === 1 ? children[0].id : null), start: null, end: null };
  const error = errorBox();
  const steps = h("div", { class: "steps" });
  main.append(h("h1", { tabindex: "-1" }, "Signaler une absence"), steps, error);

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

  // No school at weekends: "today" and "tomorrow" become the next school days.
  function whenStep() {
    const today = isoDay();
    const first = nextSchoolDay(today);
    const second = nextSchoolDay(addDays(first, 1));
    const name = (day) => (day === today ? "Aujourd'hui" : day === addDays(today, 1) ? "Demain" : capitalize(longDay(day)));
    const span = choice.dates ? "dates" : choice.start && choice.start === choice.end ? choice.start : null;
    const box = h("div", {}, choices(`${children.length === 1 ? "1" : "2"}. Quand ?`,
      [[first, name(first)], [second, name(second)], ["dates", "Plusieurs jours"]], span, (value) => {
        choice.dates = value === "dates";
        choice.start = choice.dates ? first : value;
        choice.end = choice.dates ? nextSchoolDay(addDays(first, 1)) : value;
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
    const body = { child_id: choice.child, start: choice.start, end: choice.end, part: part.value, reason, note: note.value.trim() };
    try {
      const made = await app.outbox.submit("/api/absences", body);
      done(made);
    } catch (failure) {
      showError(error, failure);
    }
  }

  function done(made) {
    const child = children.find((c) => c.id === choice.child);
    const span = choice.start === choice.end ? longDay(choice.start) : `du ${longDay(choice.start)} au ${longDay(choice.end)}`;
    main.replaceChildren(
      h("h1", { tabindex: "-1" }, made ? "C'est envoyé" : "En attente du réseau"),
      h("p", { class: "done" }, icon("check"), made
        ? `L'école est prévenue de l'absence de ${child.first_name} (${span}).`
        : `Hors connexion : la déclaration pour ${child.first_name} partira dès le retour du réseau.`),
      made ? h("p", {}, h("a", { class: "button", href: `#/threads/${made.thread.id}` }, "Voir la déclaration et qui l'a lue")) : null,
      h("p", {}, h("a", { href: "#/inbox" }, "Retour aux messages")));
    main.querySelector("h1").focus();
  }

  if (!children.length) {
    main.append(h("p", { class: "empty" }, "Aucun enfant n'est rattaché à votre compte."));
  } else {
    draw();
  }
  rendered(main, "absence", "Signaler une absence");
}
