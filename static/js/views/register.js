// The class's absence register for one day: what the families reported, who
// on the staff has seen it, what went to the director, and the children found
// absent at the roll call without a word from their family ("sans nouvelles").
// Live: a report made now appears at once, a report cancelled goes.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, field, when, longDay, isoDay, addDays, errorBox, showError, rendered, at } from "../dom.js";
import { schoolDayOf } from "./absence.js";

export const REASONS = {
  illness: "Maladie",
  medical: "Rendez-vous médical",
  family: "Raison familiale",
  other: "Autre",
};

export const PARTS = {
  day: "Toute la journée",
  morning: "Le matin",
  afternoon: "L'après-midi",
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

// The previous or next school day of the school's calendar.
function step(day, direction, isSchoolDay) {
  let next = addDays(day, direction);
  for (let i = 0; i < 60 && !isSchoolDay(next); i += 1) next = addDays(next, direction);
  return next;
}

function shortDay(day) {
  return when(`${day}T12:00:00Z`);
}

export default async function register(main, params, app) {
  main.classList.add("screen");
  main.append(h("h1", { tabindex: "-1" }, "Absences"));
  const classes = app.me.classes;
  if (!app.isStaff() || !classes.length) {
    main.append(h("p", { class: "empty" }, app.isStaff()
      ? "Aucune classe ne vous est confiée pour l'instant."
      : "Cette page est réservée à l'équipe de l'école. Pour signaler l'absence de votre enfant, allez dans « Absence »."));
    rendered(main, "register", "Absences");
    return undefined;
  }

  let isSchoolDay = schoolDayOf(null);
  try { isSchoolDay = schoolDayOf(await api("GET", `/api/schools/${classes[0].school_id}/calendar`)); } catch { /* weekdays */ }
  const remembered = `liaison.register.class.${app.me.user.id}`;
  let classId = params.classId || localStorage.getItem(remembered) || classes[0].id;
  if (!params.classId && !classes.some((c) => c.id === classId)) classId = classes[0].id;
  let day = DAY.test(params.date || "") ? params.date : isoDay();
  const absences = new Map();
  const fresh = new Set(); // arrived live: shown highlighted

  const chooser = h("select", { name: "class" },
    classes.map((c) => h("option", { value: c.id, selected: c.id === classId }, c.name)));
  if (!classes.some((c) => c.id === classId)) chooser.append(h("option", { value: classId }, "Autre classe"));
  chooser.value = classId;
  const dateInput = h("input", { type: "date", name: "date", id: "register-date", value: day, required: true });
  const previous = h("button", { type: "button", class: "secondary step", id: "day-previous", title: "Jour d'avant" },
    h("span", { "aria-hidden": "true" }, "←"), h("span", { class: "sr-only" }, "Jour d'avant"));
  const next = h("button", { type: "button", class: "secondary step", id: "day-next", title: "Jour d'après" },
    h("span", { "aria-hidden": "true" }, "→"), h("span", { class: "sr-only" }, "Jour d'après"));
  const today = h("button", { type: "button", class: "link today", id: "day-today" }, "Revenir à aujourd'hui");
  const dayTitle = h("h2", { class: "register-day", "aria-live": "polite" });
  const list = h("ul", { class: "absences" });
  const empty = h("p", { class: "empty", hidden: true }, "Aucune absence signalée pour ce jour.");
  const spoken = h("p", { class: "sr-only", "aria-live": "polite" });
  const error = errorBox();

  const controls = h("form", { class: "register-controls card", onsubmit: (event) => event.preventDefault() },
    classes.length > 1 || !classes.some((c) => c.id === classId)
      ? field("Classe", chooser)
      : h("p", { class: "class-name" }, "Classe : ", h("strong", {}, classes[0].name)),
    h("div", { class: "field day-field" },
      h("label", { for: "register-date" }, "Jour"),
      h("div", { class: "day-row" }, previous, dateInput, next),
      today));

  function draw() {
    const shown = [...absences.values()].sort((a, b) => (b.unexplained === true) - (a.unexplained === true)
      || a.child.display_name.localeCompare(b.child.display_name, "fr"));
    const count = shown.length;
    const label = longDay(day);
    dayTitle.textContent = `${label.charAt(0).toUpperCase()}${label.slice(1)}${count ? ` · ${count} absence${count > 1 ? "s" : ""}` : ""}`;
    list.replaceChildren(...shown.map(row));
    empty.hidden = count > 0;
    today.hidden = day === isoDay();
  }

  // The director is in a report's thread only once it was flagged to her.
  const opens = (a) => a.thread_id && (app.me.user.role !== "director" || a.flagged_at || a.unexplained);

  function row(a) {
    const span = a.start === a.end ? null
      : `Du ${shortDay(a.start)} au ${shortDay(a.end)}`;
    if (a.unexplained) {
      return h("li", { class: "absence unexplained", dataset: { absenceId: a.id } },
        h("p", { class: "name" }, opens(a) ? h("a", { href: `#/threads/${a.thread_id}` }, a.child.display_name) : a.child.display_name),
        h("p", { class: "what" }, h("span", { class: "part" }, PARTS[a.part] || a.part), " · ",
          h("span", { class: "reason" }, "Absence non signalée")),
        h("p", { class: "meta" }, `Absence à l'appel${a.reported_by ? ` de ${a.reported_by.display_name}` : ""} ${at(a.reported_at)}`),
        h("p", { class: "status" }, h("span", { class: "tag unexplained" },
          a.thread_id ? "Sans nouvelles : la famille a été questionnée" : "Sans nouvelles de la famille")));
    }
    return h("li", { class: `absence${fresh.has(a.id) ? " new" : ""}${a.flagged_at ? " flagged" : ""}`, dataset: { absenceId: a.id } },
      h("p", { class: "name" }, opens(a) ? h("a", { href: `#/threads/${a.thread_id}` }, a.child.display_name) : a.child.display_name),
      h("p", { class: "what" },
        h("span", { class: "part" }, PARTS[a.part] || a.part), " · ",
        h("span", { class: "reason" }, REASONS[a.reason] || a.reason),
        span ? h("span", { class: "span" }, h("span", { class: "sr-only" }, ", "), span) : null),
      a.note ? h("p", { class: "note" }, a.note) : null,
      h("p", { class: "meta" }, `Signalée par ${a.reported_by?.display_name || "la famille"} ${at(a.reported_at)}`),
      h("p", { class: "status" },
        a.seen_at
          ? h("span", { class: "seen-by" }, icon("check"), `Lue par l'équipe ${at(a.seen_at)}`)
          : h("span", { class: "tag unseen" }, "Pas encore lue"),
        a.flagged_at ? h("span", { class: "tag flagged" }, `Signalée à la direction ${at(a.flagged_at)}`) : null));
  }

  // Only the answer to the latest question is shown (fast clicks on the days).
  let asked = 0;
  async function load({ quiet = false } = {}) {
    const number = ++asked;
    if (!quiet) list.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `/api/classes/${classId}/absences?date=${day}`);
      if (number !== asked) return;
      error.textContent = "";
      absences.clear();
      for (const a of page.absences) absences.set(a.id, a);
      draw();
    } catch (failure) {
      if (number === asked) showError(error, failure);
    } finally {
      if (number === asked) list.removeAttribute("aria-busy");
    }
  }

  function go(newClass, newDay) {
    classId = newClass;
    day = newDay;
    syncLinks();
    fresh.clear();
    dateInput.value = day;
    localStorage.setItem(remembered, classId);
    // Keep the address in step (a reload shows the same day) without re-rendering the screen.
    history.replaceState(null, "", `#/register/${classId}${day === isoDay() ? "" : `?date=${day}`}`);
    return load();
  }

  chooser.addEventListener("change", () => go(chooser.value, day));
  dateInput.addEventListener("change", () => { if (DAY.test(dateInput.value)) go(classId, dateInput.value); });
  previous.addEventListener("click", () => go(classId, step(day, -1, isSchoolDay)));
  next.addEventListener("click", () => go(classId, step(day, 1, isSchoolDay)));
  today.addEventListener("click", () => { go(classId, isoDay()); dateInput.focus(); });

  // The teacher takes the roll call from here; the director sees the whole school's day.
  const rollCall = h("a", { class: "button", id: "take-roll-call" }, icon("absence"), "Faire l'appel");
  const links = h("p", { class: "register-links" },
    app.me.user.role === "teacher" ? rollCall : null,
    app.me.user.role === "director" ? h("a", { class: "button secondary", href: "#/day" }, "La journée de l'école") : null);
  // The roll call of the day shown (today, or one of the last days: entered late).
  const syncLinks = () => { rollCall.href = `#/roll-call/${classId}${day < isoDay() ? `?date=${day}` : ""}`; };
  syncLinks();

  main.append(controls, links, error, dayTitle, spoken, list, empty);
  await load();
  if (classes.some((c) => c.id === classId)) localStorage.setItem(remembered, classId);

  let timer = null;
  const soon = () => { clearTimeout(timer); timer = setTimeout(() => load({ quiet: true }), 300); };
  const stops = [
    app.live.on(EVENT.ABSENCE_REPORTED, (a) => {
      if (!a || a.class_id !== classId || a.start > day || a.end < day) return;
      const known = absences.has(a.id);
      absences.set(a.id, { flagged_at: null, unexplained: false, ...absences.get(a.id), ...a });
      soon(); // it may explain a child marked absent at the roll call
      if (!known) {
        fresh.add(a.id);
        spoken.textContent = `Nouvelle absence : ${a.child.display_name}, ${(PARTS[a.part] || "").toLowerCase()}.`;
      }
      draw();
    }),
    // A member of the staff opened a report: "Lue par l'équipe".
    app.live.on(EVENT.RECEIPT_UPDATED, (r) => {
      if ([...absences.values()].some((a) => a.thread_id === r?.thread_id && !a.seen_at)) soon();
    }),
    app.live.on(EVENT.ABSENCE_UNSEEN, (u) => { if (u?.class_id === classId) soon(); }),
    // A family cancelled: the report leaves the register (a roll call may show the child unexplained again).
    app.live.on(EVENT.ABSENCE_CANCELLED, (a) => {
      if (!a || !absences.has(a.id)) return;
      absences.delete(a.id);
      spoken.textContent = `Absence annulée : ${a.child.display_name}.`;
      draw();
      soon();
    }),
    app.live.on("status", ({ connected }) => { if (connected) soon(); }),
  ];
  rendered(main, "register", "Absences");
  return () => { clearTimeout(timer); stops.forEach((stop) => stop()); };
}
