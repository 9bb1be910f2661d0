// The agenda: the coming dates of the user's classes and of the school, by
// day; the class's teachers and the director add dates; everyone gets the
// private address of a calendar feed for their phone's agenda.
import { api } from "../api.js";
import { h, icon, field, time, longDay, isoDay, errorBox, showError, rendered, toast } from "../dom.js";

const PARIS = "Europe/Paris";
const wallClock = new Intl.DateTimeFormat("en-GB", {
  timeZone: PARIS, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});

// The moment when Paris clocks show `day` at `hhmm`, as RFC 3339 UTC: right
// whatever the phone's own time zone, summer or winter time.
export function parisMoment(day, hhmm) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = hhmm.split(":").map(Number);
  const wanted = Date.UTC(y, m - 1, d, hh, mm);
  const offsetAt = (instant) => {
    const parts = Object.fromEntries(wallClock.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - instant;
  };
  let instant = wanted - offsetAt(wanted);
  instant = wanted - offsetAt(instant);
  return new Date(instant).toISOString().replace(/\.000Z$/, "Z");
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "jeudi 3 décembre", with the year when it is not this one.
function dayName(day) {
  const name = longDay(day);
  return day.slice(0, 4) === isoDay().slice(0, 4) ? name : `${name} ${day.slice(0, 4)}`;
}

export default async function agenda(main, params, app) {
  main.classList.add("screen");
  const me = app.me;
  const role = me.user.role;
  const school = me.school;
  const classes = me.classes;
  const events = new Map();

  // Where this user may add a date: the director anywhere in the school, a teacher in their classes.
  const targets = [];
  if (school && role === "director") targets.push({ value: "school", label: "Toute l'école" });
  if (school && ["director", "teacher"].includes(role)) {
    for (const c of classes) targets.push({ value: c.id, label: `Classe ${c.name}` });
  }

  const list = h("div", { class: "agenda-days" });
  const empty = h("p", { class: "empty", hidden: true }, "Aucune date à venir pour l'instant.");
  const loadError = errorBox();

  function label(event) {
    if (!event.class_id) return "Toute l'école";
    const names = event.classes.map((c) => app.className(c)).filter(Boolean);
    if (!names.length) return "Classe";
    return names.length > 1 ? `Classes ${names.join(", ")}` : `Classe ${names[0]}`;
  }

  // A message's date for several classes is one event per class: shown once, with its classes.
  function merged() {
    const byThread = new Map();
    const out = [];
    for (const e of events.values()) {
      const same = e.thread_id ? byThread.get(e.thread_id) : null;
      if (same) { same.classes.push(e.class_id); continue; }
      const item = { ...e, classes: [e.class_id] };
      if (e.thread_id) byThread.set(e.thread_id, item);
      out.push(item);
    }
    return out;
  }

  function draw() {
    const now = Date.now();
    const coming = merged()
      .filter((e) => Date.parse(e.ends_at) >= now)
      .sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.title.localeCompare(b.title, "fr"));
    const days = new Map();
    for (const e of coming) {
      const day = isoDay(new Date(e.starts_at));
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(e);
    }
    const today = isoDay();
    list.replaceChildren(...[...days].map(([day, items]) => h("section", { class: "agenda-day", dataset: { day } },
      h("h2", {}, day === today ? `Aujourd'hui, ${dayName(day)}` : capital(dayName(day))),
      h("ul", { class: "events" }, items.map(eventItem)))));
    empty.hidden = coming.length > 0;
  }

  function eventItem(e) {
    const sameDay = isoDay(new Date(e.starts_at)) === isoDay(new Date(e.ends_at));
    const hours = sameDay
      ? (e.starts_at === e.ends_at ? time(e.starts_at) : `${time(e.starts_at)} – ${time(e.ends_at)}`)
      : `${time(e.starts_at)}, jusqu'au ${dayName(isoDay(new Date(e.ends_at)))} à ${time(e.ends_at)}`;
    const showClass = e.class_id === null || classes.length > 1 || role === "director";
    return h("li", { class: "event card", dataset: { eventId: e.id } },
      h("p", { class: "when" }, h("time", { datetime: e.starts_at }, hours)),
      h("h3", { class: "title" }, e.title),
      showClass ? h("p", { class: `tag ${e.class_id ? "class" : "school"}` }, label(e)) : null,
      e.location ? h("p", { class: "where" }, h("span", { class: "what" }, "Lieu : "), e.location) : null,
      e.description ? h("p", { class: "description" }, e.description) : null,
      e.signup_thread_id ? h("p", {}, h("a", { href: `#/threads/${e.signup_thread_id}` }, "Voir l'inscription"))
        : e.thread_id ? h("p", {}, h("a", { href: `#/threads/${e.thread_id}` }, "Voir le message")) : null);
  }

  async function load() {
    const asks = classes.map((c) => api("GET", `/api/classes/${c.id}/events`));
    if (school) asks.push(api("GET", `/api/schools/${school.id}/events`));
    const answers = await Promise.allSettled(asks);
    const failed = answers.find((a) => a.status === "rejected");
    for (const answer of answers) {
      if (answer.status === "fulfilled") for (const e of answer.value.events) events.set(e.id, e);
    }
    if (failed && answers.every((a) => a.status === "rejected")) throw failed.reason;
    if (failed) showError(loadError, failed.reason);
    draw();
  }

  main.append(h("h1", { tabindex: "-1" }, "Agenda"));
  if (targets.length) main.append(addForm(targets, (made) => { events.set(made.id, made); draw(); }, school));
  main.append(loadError, list, empty);
  await load();
  main.append(await calendarFeed());

  rendered(main, "agenda", "Agenda");
  return undefined;
}

function addForm(targets, added, school) {
  const target = h("select", { name: "target" }, targets.map((t) => h("option", { value: t.value }, t.label)));
  const title = h("input", { name: "title", maxlength: "200", required: true, autocomplete: "off" });
  const day = h("input", { type: "date", name: "starts_at", required: true, value: isoDay() });
  const start = h("input", { type: "time", name: "start", required: true, value: "08:30" });
  const end = h("input", { type: "time", name: "ends_at", required: true, value: "09:30" });
  const location = h("input", { name: "location", maxlength: "200", autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: "3", maxlength: "5000" });
  const error = errorBox();
  const form = h("form", { class: "agenda-add card", id: "agenda-add", novalidate: true },
    targets.length > 1 ? field("Pour qui ?", target) : h("p", {}, "Pour : ", h("strong", {}, targets[0].label)),
    field("Titre", title, "Par exemple : Sortie au musée, Réunion de rentrée."),
    field("Jour", day),
    h("div", { class: "time-pair" }, field("Début", start), field("Fin", end)),
    field("Lieu (facultatif)", location),
    field("Détails (facultatif)", description),
    h("button", { type: "submit" }, icon("agenda"), "Ajouter à l'agenda"),
    error);

  const box = h("details", { class: "agenda-add-box" },
    h("summary", {}, "Ajouter une date"), form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    const problems = {};
    if (!title.value.trim()) problems.title = "Donnez un titre.";
    if (!day.value) problems.starts_at = "Choisissez le jour.";
    if (!start.value) problems.start = "Indiquez l'heure de début.";
    if (!end.value) problems.ends_at = "Indiquez l'heure de fin.";
    else if (start.value && end.value < start.value) problems.ends_at = "La fin est avant le début.";
    if (Object.keys(problems).length) {
      showError(error, { message: "Vérifiez les champs indiqués.", fields: problems }, form);
      form.querySelector("[aria-invalid]")?.focus();
      return;
    }
    const body = {
      title: title.value.trim(),
      starts_at: parisMoment(day.value, start.value),
      ends_at: parisMoment(day.value, end.value),
      location: location.value.trim(),
      description: description.value.trim(),
    };
    const path = target.value === "school" ? `/api/schools/${school.id}/events` : `/api/classes/${target.value}/events`;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const made = await api("POST", path, body);
      added(made);
      for (const input of [title, location, description]) input.value = "";
      for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
      toast(`« ${made.title} » est ajouté à l'agenda.`);
      title.focus();
    } catch (failure) {
      showError(error, failure, form);
    } finally {
      button.disabled = false;
    }
  });
  return box;
}

async function calendarFeed() {
  const input = h("input", { type: "text", readonly: true, name: "calendar-url", id: "calendar-url", spellcheck: "false" });
  const add = h("a", { class: "button", id: "calendar-webcal" }, icon("agenda"), "Ajouter à mon agenda");
  const copy = h("button", { type: "button", class: "secondary", id: "calendar-copy" }, "Copier le lien");
  const reset = h("button", { type: "button", class: "secondary", id: "calendar-reset" }, "Changer le lien");
  const error = errorBox();
  // The same address as a QR code drawn by the server, to scan with the phone
  // when this page is open on a computer (nothing to type, no computer needed after).
  const qr = h("img", { id: "calendar-qr", alt: "QR code de l'adresse de votre agenda", width: "176", height: "176" });
  const qrBox = h("figure", { class: "calendar-qr" }, qr,
    h("figcaption", {}, "Sur un ordinateur ? Scannez ce code avec l'appareil photo du téléphone : il propose de s'abonner à l'agenda."));
  let version = 0;

  function show(url) {
    input.value = url;
    add.href = url.replace(/^https?:/, "webcal:");
    version += 1;
    qr.src = `/api/me/calendar/qr?v=${version}`;  // a new address, a new code
  }

  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      toast("Lien copié.");
      return;
    } catch { /* no clipboard here (http, old phone): select it instead */ }
    input.focus();
    input.select();
    let copied = false;
    try { copied = document.execCommand("copy"); } catch { copied = false; }
    toast(copied ? "Lien copié." : "Le lien est sélectionné : copiez-le avec le menu du téléphone.");
  });

  reset.addEventListener("click", async () => {
    if (!confirm("Changer le lien ? L'ancien lien ne marchera plus : il faudra ajouter le nouveau dans votre agenda.")) return;
    error.textContent = "";
    try {
      const { url } = await api("POST", "/api/me/calendar/reset");
      show(url);
      toast("Nouveau lien créé. L'ancien ne marche plus.");
    } catch (failure) {
      showError(error, failure);
    }
  });

  const section = h("section", { class: "calendar-feed card", "aria-labelledby": "calendar-feed-title" },
    h("h2", { id: "calendar-feed-title" }, "Dans l'agenda de votre téléphone"),
    h("p", {}, "Ajoutez ce lien à l'agenda de votre téléphone pour y voir les dates de l'école."),
    add,
    qrBox,
    field("Lien de votre agenda", input, "Ce lien est personnel : ne le partagez pas."),
    h("div", { class: "actions" }, copy, reset),
    error,
    h("details", { class: "how" },
      h("summary", {}, "Comment faire ?"),
      h("ul", {},
        h("li", {}, h("strong", {}, "iPhone, iPad, Mac : "), "touchez « Ajouter à mon agenda », puis « S'abonner »."),
        h("li", {}, h("strong", {}, "Android : "), "touchez « Ajouter à mon agenda » : le téléphone propose une application "
          + "d'agenda qui sait s'abonner (par exemple ICSx⁵, gratuite) ; ou, la page ouverte sur un ordinateur, "
          + "scannez le QR code avec le téléphone."),
        h("li", {}, h("strong", {}, "Google Agenda : "), "sur un ordinateur, « Autres agendas » › « + » › "
          + "« À partir de l'URL », collez le lien. Il apparaît ensuite sur le téléphone."),
        h("li", {}, h("strong", {}, "Outlook : "), "« Ajouter un calendrier » › « S'abonner à partir du web », collez le lien."))));
  try {
    const { url } = await api("GET", "/api/me/calendar");
    show(url);
  } catch (failure) {
    showError(error, failure);
    add.hidden = true;
    qrBox.hidden = true;
    copy.disabled = true;
  }
  return section;
}
