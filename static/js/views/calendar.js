// The school calendar. The director: the holiday zone, the days of the week
// with school, and the days the school closes (a strike, a training day). Everyone
// sees the holidays of the zone and the public holidays (from the official data).
// Days off are never offered for an absence; scheduled messages, the 17:00
// summary and the reminders to sign wait for the next school day.
import { api } from "../api.js";
import { h, field, errorBox, showError, rendered, toast, isoDay, longDay } from "../dom.js";

const ZONES = [
  ["A", "Zone A", "Académies de Besançon, Bordeaux, Clermont-Ferrand, Dijon, Grenoble, Limoges, Lyon, Poitiers."],
  ["B", "Zone B", "Académies d'Aix-Marseille, Amiens, Lille, Nancy-Metz, Nantes, Nice, Normandie, Orléans-Tours, Reims, Rennes, Strasbourg."],
  ["C", "Zone C", "Académies de Créteil, Montpellier, Paris, Toulouse, Versailles."],
];
const DAYS = [["mon", "Lundi"], ["tue", "Mardi"], ["wed", "Mercredi"], ["thu", "Jeudi"], ["fri", "Vendredi"], ["sat", "Samedi"]];
const TITLE = "Calendrier de l'école";

const dateFormat = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const shortDate = (day) => dateFormat.format(new Date(`${day}T12:00:00Z`));

function span({ start, end }) {
  if (start === end) return `${longDay(start)} ${start.slice(0, 4)}`;
  return `du ${shortDate(start)} au ${shortDate(end)}`;
}

// A 422's own words: the field messages ("Cette date est déjà fermée."), else the message.
function explain(failure) {
  const details = Object.values(failure.fields || {});
  return { message: details.length ? details.join(" ") : failure.message };
}

export default async function calendarView(main, params, app) {
  main.classList.add("screen");
  main.append(h("h1", { tabindex: "-1" }, TITLE));
  const school = app.me.school;
  if (!school) {
    main.append(h("p", { class: "empty" }, "Ce compte n'est rattaché à aucune école."));
    rendered(main, "calendar", TITLE);
    return undefined;
  }
  const head = ["director", "admin"].includes(app.me.user.role);
  const path = `/api/schools/${school.id}/calendar`;
  let calendar = await api("GET", path);

  main.append(h("p", { class: "hint intro" },
    "Les jours sans école ne sont jamais proposés pour une absence. Les messages programmés, "
    + "le résumé de 17 h et les rappels de signature attendent le jour d'école suivant."));

  const closuresBox = h("section", { class: "card closures", "aria-labelledby": "closures-title" });
  const holidaysBox = h("section", { class: "card holidays", "aria-labelledby": "holidays-title" });

  async function save(changes, done) {
    calendar = await api("PUT", path, changes);
    drawClosures();
    drawHolidays();
    toast(done);
  }

  // -- Zone and week (the director), or what they are (everyone else).
  if (head) main.append(weekForm(calendar, save));
  else {
    const zone = ZONES.find(([value]) => value === calendar.zone);
    const days = DAYS.filter(([value]) => calendar.week.includes(value)).map(([, label]) => label.toLowerCase());
    main.append(h("section", { class: "card", "aria-labelledby": "week-title" },
      h("h2", { id: "week-title" }, "L'école"),
      h("p", {}, `${zone ? zone[1] : calendar.zone} · école le ${days.join(", ")}.`)));
  }

  // -- Closures.
  function drawClosures() {
    const today = isoDay();
    const list = calendar.closures.length
      ? h("ul", { class: "closure-list" }, calendar.closures.map((closure) => h("li", {
        class: closure.date < today ? "past" : null, dataset: { date: closure.date } },
      h("span", {}, h("strong", {}, `${longDay(closure.date)} ${closure.date.slice(0, 4)}`), ` — ${closure.label}`),
      head ? h("button", { type: "button", class: "secondary", "aria-label": `Retirer la fermeture du ${longDay(closure.date)}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await save({ closures: calendar.closures.filter((c) => c.date !== closure.date) }, "Fermeture retirée.");
            document.getElementById("closures-title")?.focus();
          } catch (failure) {
            toast(failure.message);
            button.disabled = false;
          }
        } }, "Retirer") : null)))
      : h("p", { class: "empty" }, "Aucune fermeture ajoutée.");
    closuresBox.replaceChildren(
      h("h2", { id: "closures-title", tabindex: "-1" }, "Fermetures de l'école"),
      h("p", { class: "hint" }, "Une grève, une journée pédagogique, un pont : ces jours-là, pas d'école."),
      list,
      head ? closureForm(calendar, save) : null);
  }

  // -- The official holidays and the public holidays still to come.
  function drawHolidays() {
    const today = isoDay();
    const coming = calendar.holidays.filter((holiday) => holiday.end >= today);
    holidaysBox.replaceChildren(
      h("h2", { id: "holidays-title" }, `Vacances et jours fériés (zone ${calendar.zone})`),
      h("p", { class: "hint" }, "Le calendrier officiel de l'Éducation nationale pour la zone, et les jours fériés : rien à saisir."),
      coming.length
        ? h("ul", { class: "holiday-list" }, coming.map((holiday) =>
          h("li", { dataset: { start: holiday.start } }, h("strong", {}, holiday.label), h("span", {}, span(holiday)))))
        : h("p", { class: "empty" }, "Aucune date connue pour la suite."));
  }

  drawClosures();
  drawHolidays();
  main.append(closuresBox, holidaysBox);
  rendered(main, "calendar", TITLE);
  return undefined;
}

function weekForm(calendar, save) {
  const error = errorBox();
  const button = h("button", { type: "submit" }, "Enregistrer");
  const zones = h("fieldset", { class: "radio-list" },
    h("legend", {}, "Zone de vacances"),
    ZONES.map(([value, label, hint]) => {
      const id = `zone-${value}`;
      return h("div", { class: "radio-row" },
        h("input", { type: "radio", name: "zone", value, id, checked: calendar.zone === value, "aria-describedby": `${id}-hint` }),
        h("div", {}, h("label", { for: id }, label), h("p", { class: "hint", id: `${id}-hint` }, hint)));
    }));
  const week = h("fieldset", { class: "week" },
    h("legend", {}, "Jours d'école"),
    h("p", { class: "hint", id: "week-hint" }, "La plupart des écoles : lundi, mardi, jeudi et vendredi. Semaine de quatre jours et demi : cochez aussi le mercredi."),
    h("div", { class: "day-checks" }, DAYS.map(([value, label]) =>
      h("label", { class: "check" },
        h("input", { type: "checkbox", name: "week", value, checked: calendar.week.includes(value), "aria-describedby": "week-hint" }),
        label))));
  const form = h("form", { class: "card week-form", novalidate: true, "aria-labelledby": "week-title" },
    h("h2", { id: "week-title" }, "Zone et semaine"), zones, week, h("div", { class: "actions" }, button), error);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const zone = form.querySelector("input[name=zone]:checked")?.value;
    const days = [...form.querySelectorAll("input[name=week]:checked")].map((input) => input.value);
    if (!days.length) {
      showError(error, { message: "Cochez au moins un jour d'école." });
      form.querySelector("input[name=week]").focus();
      return;
    }
    button.disabled = true;
    try {
      await save({ zone, week: days }, "Le calendrier de l'école est enregistré.");
    } catch (failure) {
      showError(error, explain(failure));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function closureForm(calendar, save) {
  const date = h("input", { type: "date", name: "date", required: true, min: isoDay() });
  const label = h("input", { type: "text", name: "label", required: true, maxlength: 100, autocomplete: "off", placeholder: "Grève, journée pédagogique…" });
  const error = errorBox();
  const form = h("form", { class: "closure-form", novalidate: true },
    h("div", { class: "row" }, field("Jour fermé", date), field("Motif", label)),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Ajouter la fermeture")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const missing = {};
    if (!date.value) missing.date = "Choisissez le jour.";
    if (!label.value.trim()) missing.label = "Indiquez le motif.";
    if (Object.keys(missing).length) {
      showError(error, { message: Object.values(missing).join(" "), fields: missing }, form);
      form.querySelector("[aria-invalid]")?.focus();
      return;
    }
    if (calendar.closures.some((c) => c.date === date.value)) {
      showError(error, { message: "Ce jour est déjà fermé.", fields: { date: "Déjà fermé." } }, form);
      date.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const closures = [...calendar.closures, { date: date.value, label: label.value.trim() }];
      await save({ closures }, `École fermée le ${longDay(date.value)}.`);
      document.getElementById("closures-title")?.focus();
    } catch (failure) {
      showError(error, explain(failure), form);
      button.disabled = false;
    }
  });
  return form;
}
