// The roll call, on the teacher's phone: the class list, a tap on each child
// who is not there, "Envoyer". Children whose family reported the absence are
// shown (and marked) already; the family of every other absent child is asked
// why at once by the server, once. Taken again, it starts from what was sent.
import { api } from "../api.js";
import { h, icon, isoDay, longDay, errorBox, showError, rendered, at, toast } from "../dom.js";
import { schoolDayOf } from "./absence.js";
import { REASONS } from "./register.js";
import { de, join } from "../french.js";

const PARTS = [["morning", "Matin"], ["afternoon", "Après-midi"]];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// Before 12:30 the morning's roll call, after it the afternoon's (Paris time).
function currentPart() {
  const [hours, minutes] = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" })
    .format(new Date()).split(":").map(Number);
  return hours * 60 + minutes < 12 * 60 + 30 ? "morning" : "afternoon";
}

const covers = (absence, part) => absence.part === "day" || absence.part === part;

export default async function rollCall(main, params, app) {
  main.classList.add("screen");
  main.append(h("h1", { tabindex: "-1" }, "L'appel"));
  const classes = app.me.classes;
  if (app.me.user.role !== "teacher" || !classes.length) {
    main.append(h("p", { class: "empty" }, app.isStaff()
      ? "L'appel est fait par les enseignants de la classe."
      : "Cette page est réservée à l'équipe de l'école."));
    rendered(main, "roll-call", "L'appel");
    return;
  }
  const classId = classes.some((c) => c.id === params.classId) ? params.classId : classes[0].id;
  const klass = classes.find((c) => c.id === classId);
  const day = DAY.test(params.date || "") ? params.date : isoDay();
  let part = ["morning", "afternoon"].includes(params.part) ? params.part : currentPart();

  let isSchoolDay = schoolDayOf(null);
  try { isSchoolDay = schoolDayOf(await api("GET", `/api/schools/${klass.school_id}/calendar`)); } catch { /* weekdays */ }
  const title = `${longDay(day).replace(/^./, (c) => c.toUpperCase())} · ${klass.name}`;
  main.append(h("p", { class: "roll-call-day" }, title));
  if (!isSchoolDay(day)) {
    main.append(h("p", { class: "empty" }, "Pas d'école ce jour-là : pas d'appel à faire."),
      h("p", {}, h("a", { href: `#/register/${classId}` }, "Retour aux absences")));
    rendered(main, "roll-call", "L'appel");
    return;
  }

  const members = await api("GET", `/api/classes/${classId}/members`);
  const pupils = members.children.slice().sort((a, b) => a.first_name.localeCompare(b.first_name, "fr")
    || a.last_name.localeCompare(b.last_name, "fr"));
  const absent = new Set();
  let reported = new Map(); // child id -> the family's report covering this half-day
  let taken = null;

  const error = errorBox();
  const partChoice = h("fieldset", { class: "choices parts" }, h("legend", {}, "Quel appel ?"),
    PARTS.map(([value, label]) => h("button", {
      type: "button", class: "chip", dataset: { part: value }, "aria-pressed": String(value === part),
      onclick: () => { part = value; load(); },
    }, label)));
  const status = h("p", { class: "roll-call-status", "aria-live": "polite" });
  const list = h("ul", { class: "pupils roll-call-list" });
  const send = h("button", { type: "button", class: "send-roll-call" }, icon("send"), "Envoyer l'appel");
  const result = h("div", { class: "roll-call-result", "aria-live": "polite" });
  send.addEventListener("click", submit);

  function drawSend() {
    const count = absent.size;
    send.textContent = "";
    send.append(icon("send"), count ? `Envoyer l'appel : ${count} absence${count > 1 ? "s" : ""}` : "Envoyer l'appel : tout le monde est là");
  }

  function draw() {
    for (const button of partChoice.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.dataset.part === part));
    status.textContent = taken?.taken_at
      ? `Appel déjà fait ${at(taken.taken_at)}${taken.taken_by ? ` par ${taken.taken_by.display_name}` : ""} : vous pouvez le corriger.`
      : "Touchez les enfants absents, puis envoyez.";
    list.replaceChildren(...pupils.map((pupil) => {
      const report = reported.get(pupil.id);
      const pressed = absent.has(pupil.id);
      return h("li", {},
        h("button", {
          type: "button", class: `pupil${pressed ? " absent" : ""}`, "aria-pressed": String(pressed), dataset: { child: pupil.id },
          onclick: () => { if (absent.has(pupil.id)) absent.delete(pupil.id); else absent.add(pupil.id); draw(); },
        },
        h("span", { class: "who" }, pupil.first_name, " ", h("span", { class: "last" }, pupil.last_name)),
        h("span", { class: "state" }, pressed ? "Absence" : "En classe"),
        report ? h("span", { class: "tag reported" }, `Absence signalée : ${(REASONS[report.reason] || report.reason).toLowerCase()}`) : null));
    }));
    drawSend();
  }

  let asked = 0;
  async function load() {
    const number = ++asked;
    result.replaceChildren();
    try {
      const [register, previous] = await Promise.all([
        api("GET", `/api/classes/${classId}/absences?date=${day}`),
        api("GET", `/api/classes/${classId}/roll-call?date=${day}&part=${part}`),
      ]);
      if (number !== asked) return;
      reported = new Map(register.absences.filter((a) => !a.unexplained && covers(a, part)).map((a) => [a.child.id, a]));
      taken = previous;
      absent.clear();
      // Taken already: as it was; else the children whose family reported it.
      for (const id of previous.taken_at ? previous.absent : reported.keys()) absent.add(id);
      error.textContent = "";
      draw();
    } catch (failure) {
      if (number === asked) showError(error, failure);
    }
  }

  async function submit() {
    send.disabled = true;
    error.textContent = "";
    try {
      const answer = await api("POST", `/api/classes/${classId}/roll-call`, { date: day, part, absent: [...absent] });
      const names = answer.unexplained.map((c) => c.first_name);
      result.replaceChildren(
        h("p", { class: "done", role: "status" }, icon("check"), "Appel enregistré."),
        names.length
          ? h("p", {}, names.length === 1
            ? `Sans nouvelles de la famille ${de(names[0])} : elle est questionnée à l'instant.`
            : `Sans nouvelles de ${names.length} familles (${join(names)}) : elles sont questionnées à l'instant.`)
          : null,
        h("p", {}, h("a", { href: `#/register/${classId}${day === isoDay() ? "" : `?date=${day}`}` }, "Voir les absences du jour")));
      toast("Appel enregistré.");
      taken = { taken_at: new Date().toISOString(), taken_by: app.me.user, absent: [...absent] };
      draw();
      result.querySelector("p")?.focus?.();
    } catch (failure) {
      showError(error, failure);
    } finally {
      send.disabled = false;
    }
  }

  main.append(partChoice, status, list, error, h("div", { class: "roll-call-actions" }, send), result);
  await load();
  rendered(main, "roll-call", "L'appel");
}
