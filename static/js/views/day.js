// "La journée", the director's view of the school's day at a glance: how many
// absences, the children absent without a word from their family first (their
// family was asked why; the thread is in her inbox), then class by class, and
// which classes have taken the roll call. Live: a report, a cancellation, a
// roll call's question appear at once.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, fill, icon, isoDay, addDays, longDay, at, errorBox, showError, rendered } from "../dom.js";
import { plural } from "../french.js";
import { schoolDayOf } from "./absence.js";
import { PARTS, REASONS } from "./register.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HALF = { morning: "matin", afternoon: "après-midi" };

export default async function day(main, params, app) {
  main.classList.add("screen");
  main.append(h("h1", { tabindex: "-1" }, "La journée"));
  if (app.me.user.role !== "director" || !app.me.school) {
    main.append(h("p", { class: "empty" }, "Cette page est celle de la direction de l'école."));
    rendered(main, "day", "La journée");
    return undefined;
  }
  const schoolId = app.me.school.id;
  let isSchoolDay = schoolDayOf(null);
  try { isSchoolDay = schoolDayOf(await api("GET", `/api/schools/${schoolId}/calendar`)); } catch { /* weekdays */ }
  const step = (from, direction) => {
    let next = addDays(from, direction);
    for (let i = 0; i < 60 && !isSchoolDay(next); i += 1) next = addDays(next, direction);
    return next;
  };
  let shownDay = DAY.test(params.date || "") ? params.date : isoDay();

  const heading = h("h2", { class: "day-title", "aria-live": "polite" });
  const previous = h("button", { type: "button", class: "secondary step", title: "Jour d'école d'avant" },
    h("span", { "aria-hidden": "true" }, "←"), h("span", { class: "sr-only" }, "Jour d'école d'avant"));
  const next = h("button", { type: "button", class: "secondary step", title: "Jour d'école d'après" },
    h("span", { "aria-hidden": "true" }, "→"), h("span", { class: "sr-only" }, "Jour d'école d'après"));
  const summary = h("p", { class: "day-summary" });
  const rollCalls = h("p", { class: "day-roll-calls" });
  const flagged = h("section", { class: "day-flagged", "aria-labelledby": "day-flagged-title" });
  const byClass = h("div", { class: "day-classes" });
  const error = errorBox();

  function entry(a) {
    const opens = a.thread_id && (a.unexplained || a.flagged_at);
    const name = opens ? h("a", { href: `#/threads/${a.thread_id}` }, a.child.display_name) : a.child.display_name;
    return h("li", { class: `absence${a.unexplained ? " unexplained" : ""}`, dataset: { absenceId: a.id } },
      h("p", { class: "name" }, name, h("span", { class: "class-name" }, a.class.name)),
      h("p", { class: "what" }, PARTS[a.part] || a.part, " · ",
        a.unexplained ? h("span", { class: "tag unexplained" }, "Sans nouvelles") : REASONS[a.reason] || a.reason,
        a.start !== a.end ? ` · jusqu'au ${longDay(a.end)}` : ""),
      a.unexplained
        ? h("p", { class: "meta" }, `Absence à l'appel ${at(a.reported_at)} : la famille a été questionnée.`)
        : h("p", { class: "meta" }, a.seen_at ? `Lue par l'équipe ${at(a.seen_at)}` : "Pas encore lue par l'équipe",
          a.flagged_at ? h("span", { class: "tag flagged" }, "Signalée à la direction") : null));
  }

  function draw(page) {
    const label = longDay(page.date);
    heading.textContent = label.charAt(0).toUpperCase() + label.slice(1);
    next.hidden = page.date >= isoDay();
    const unexplained = page.absences.filter((a) => a.unexplained);
    const count = page.absences.length;
    fill(summary, 
      count ? `${count} ${plural(count, "absence")}` : "Aucune absence",
      unexplained.length ? h("strong", { class: "tag unexplained" }, `${unexplained.length} sans nouvelles`) : null);
    const taken = new Map();
    for (const r of page.roll_calls) taken.set(r.class_id, [...(taken.get(r.class_id) || []), HALF[r.part]]);
    fill(rollCalls, h("span", {}, "Appel : "), page.classes.map((c, i) => h("span", { class: `roll ${taken.has(c.id) ? "done" : "todo"}` },
      i ? ", " : "", `${c.name} ${taken.has(c.id) ? `(${taken.get(c.id).join(", ")})` : "(pas encore)"}`)));
    flagged.replaceChildren();
    if (unexplained.length) {
      flagged.append(h("h2", { id: "day-flagged-title" }, "Sans nouvelles de la famille"),
        h("ul", { class: "absences" }, unexplained.map(entry)));
    }
    byClass.replaceChildren(...page.classes.map((c) => {
      const mine = page.absences.filter((a) => !a.unexplained && a.class.id === c.id);
      if (!mine.length) return null;
      return h("section", { class: "day-class" },
        h("h2", {}, h("a", { href: `#/register/${c.id}${page.date === isoDay() ? "" : `?date=${page.date}`}` }, c.name),
          ` · ${mine.length} ${plural(mine.length, "absence")}`),
        h("ul", { class: "absences" }, mine.map(entry)));
    }).filter(Boolean));
    if (!count) byClass.append(h("p", { class: "empty" }, "Aucune absence signalée pour ce jour."));
  }

  let asked = 0;
  async function load() {
    const number = ++asked;
    try {
      const page = await api("GET", `/api/schools/${schoolId}/absences?date=${shownDay}`);
      if (number !== asked) return;
      error.textContent = "";
      draw(page);
    } catch (failure) {
      if (number === asked) showError(error, failure);
    }
  }

  function go(newDay) {
    shownDay = newDay;
    history.replaceState(null, "", `#/day${shownDay === isoDay() ? "" : `?date=${shownDay}`}`);
    return load();
  }
  previous.addEventListener("click", () => go(step(shownDay, -1)));
  next.addEventListener("click", () => go(step(shownDay, 1)));

  main.append(h("div", { class: "day-row" }, previous, heading, next), summary, rollCalls, error, flagged, byClass,
    h("p", {}, h("a", { class: "button secondary", href: "#/register" }, icon("absence"), "Registre d'une classe")));
  await load();

  let timer = null;
  const soon = () => { clearTimeout(timer); timer = setTimeout(load, 300); };
  const stops = [
    app.live.on(EVENT.ABSENCE_REPORTED, soon),
    app.live.on(EVENT.ABSENCE_CANCELLED, soon),
    app.live.on(EVENT.ABSENCE_UNSEEN, soon),
    app.live.on(EVENT.RECEIPT_UPDATED, soon),
    app.live.on(EVENT.THREAD_CREATED, (t) => { if (t?.kind === "absence") soon(); }),
    app.live.on("status", ({ connected }) => { if (connected) soon(); }),
  ];
  rendered(main, "day", "La journée");
  return () => { clearTimeout(timer); stops.forEach((stop) => stop()); };
}
