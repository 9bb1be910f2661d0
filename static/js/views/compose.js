// Writing: a family to the teacher about a child; a teacher or the director
// to classes or the whole school, with a signature, urgency, sending later,
// slots to sign up for, or a date that goes in the agenda; the director of
// an RPI's school to every family of the RPI; the circonscription's team (and
// the admin) to the directors and teachers of its schools, never the families.
import { api, newClientId } from "../api.js";
import { h, icon, field, errorBox, showError, rendered, toast, isoDay, longDay, time } from "../dom.js";
import { parisMoment } from "./agenda.js";
import { listSchools, circonscriptionTitle, rpiTitle } from "./circonscription.js";

export default async function compose(main, params, app) {
  const staff = app.isStaff();
  // Above the schools: announcements to the schools' teams only.
  const toTeams = app.isCirconscription() || app.isAdmin();
  const kind = toTeams ? "announcement" : params.kind || (staff ? "announcement" : "direct");
  // One id per form: pressing "Envoyer" twice, or again after a lost answer, posts once.
  const clientId = newClientId();
  const error = errorBox();
  const title = toTeams ? "Message aux équipes des écoles"
    : { direct: "Écrire à l'école", announcement: "Nouvelle annonce", signup: "Nouvelle inscription" }[kind] || "Écrire";
  main.append(h("h1", { tabindex: "-1" }, staff && kind === "direct" ? "Écrire à une famille" : title));
  if (staff) main.append(kindSwitch(kind));

  const subject = h("input", { name: "subject", maxlength: "200", required: true, autocomplete: "off" });
  const body = h("textarea", { name: "body", rows: "6", maxlength: "20000", required: true });
  const form = h("form", { class: "card compose", novalidate: true });
  const extra = {};

  if (kind === "direct") form.append(await aboutChild(app, params, extra));
  else form.append(toTeams ? await teamsAudience(app, params, extra) : audience(app, extra));
  form.append(field("Objet", subject, kind === "direct" ? "Par exemple : sortie de jeudi, cantine, rendez-vous." : null),
    field("Message", body));
  if (kind === "signup") form.append(slotsEditor(extra));
  if (staff && kind !== "direct") form.append(options(extra), agendaDate(extra));
  if (toTeams) form.append(options(extra, true));
  if (!staff && !toTeams) {
    const director = h("input", { type: "checkbox", name: "include_director" });
    extra.includeDirector = director;
    form.append(h("label", { class: "check" }, director, " Mettre aussi la direction dans la conversation"));
  }
  if (staff) form.append(scheduling(extra));
  form.append(h("button", { type: "submit" }, icon("send"), "Envoyer"), error);
  main.append(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const request = { kind, subject: subject.value.trim(), body: body.value, client_id: clientId };
    try {
      Object.assign(request, extra.collect ? extra.collect() : {});
      if (kind === "direct" && !staff) request.include_director = extra.includeDirector.checked;
      if (extra.sendAt?.()) request.send_at = extra.sendAt();
      const date = extra.agendaDate?.() || null;
      const made = await api("POST", "/api/threads", request);
      if (made.scheduled) {
        const at = made.scheduled.send_at;
        toast(`Message programmé pour le ${longDay(at)} à ${time(at)}.`);
        location.hash = "#/inbox";
        return;
      }
      if (date) {
        // Sent: now its date, in the agenda of the classes it addresses (again moves it, never twice).
        try {
          await api("PUT", `/api/threads/${made.thread.id}/agenda`, date);
          toast("Message envoyé, et sa date ajoutée à l'agenda.");
        } catch (failure) {
          toast(`Message envoyé, mais la date n'a pas été ajoutée à l'agenda : ${failure.message}`);
        }
      }
      location.hash = `#/threads/${made.thread.id}`;
    } catch (failure) {
      showError(error, failure, form);
    }
  });
  rendered(main, "compose", title);
}

function kindSwitch(current) {
  const kinds = [["announcement", "Annonce"], ["signup", "Inscription (créneaux)"], ["direct", "Une famille"]];
  return h("nav", { class: "chips", "aria-label": "Type de message" },
    kinds.map(([value, label]) => h("a", { class: "chip", href: `#/write/${value}`, "aria-current": value === current ? "page" : null }, label)));
}

// A family picks its child; staff pick a class then a child.
async function aboutChild(app, params, extra) {
  if (!app.isStaff()) {
    const children = app.me.children;
    const select = h("select", { name: "child_id", required: true },
      children.map((c) => {
        const school = app.severalSchools() && app.schoolName(app.childSchoolId(c));
        return h("option", { value: c.id, selected: c.id === params.child }, `${c.first_name} (${app.className(c.class_id) || ""})${school ? ` — ${school}` : ""}`);
      }));
    extra.collect = () => ({ child_id: select.value });
    return field("Au sujet de", select, "Le message va aux enseignants de sa classe.");
  }
  const classSelect = h("select", { name: "class" }, app.me.classes.map((c) => h("option", { value: c.id }, app.classLabel(c.id))));
  const childSelect = h("select", { name: "child_id", required: true });
  async function loadChildren() {
    const members = await api("GET", `/api/classes/${classSelect.value}/members`);
    childSelect.replaceChildren(...members.children.map((c) => h("option", { value: c.id, selected: c.id === params.child }, c.display_name)));
  }
  classSelect.addEventListener("change", loadChildren);
  if (app.me.classes.length) await loadChildren();
  extra.collect = () => ({ child_id: childSelect.value });
  return h("div", {}, field("Classe", classSelect), field("Famille de l'élève", childSelect));
}

// The RPI of the director's school, as GET /api/me gives it (`rpi_id`, and its
// name where given); nothing when the school is in none, or the server says nothing.
export function rpiOf(school) {
  const id = school?.rpi_id || school?.rpi?.id || null;
  return id ? { id, name: school.rpi_name || school.rpi?.name || "" } : null;
}

// The RPI's name, from GET /api/rpis (a director's RPIs), put in its label when it comes.
async function nameRpi(rpi, label) {
  if (rpi.name) return;
  try {
    const { rpis = [] } = await api("GET", "/api/rpis");
    const found = rpis.find((r) => r.id === rpi.id);
    if (found?.name) label.textContent = ` Toutes les familles du ${rpiTitle(found.name)}`;
  } catch { /* the label without its name */ }
}

function audience(app, extra) {
  const director = app.me.user.role === "director";
  const boxes = app.me.classes.map((c) => h("input", { type: "checkbox", name: "class_ids", value: c.id, checked: app.me.classes.length === 1 }));
  const whole = director ? h("input", { type: "checkbox", name: "whole_school" }) : null;
  const rpi = director ? rpiOf(app.me.school) : null;
  const wholeRpi = rpi ? h("input", { type: "checkbox", name: "rpi_id", value: rpi.id }) : null;
  const settle = () => {
    if (whole) whole.disabled = Boolean(wholeRpi?.checked);
    boxes.forEach((b) => { b.disabled = Boolean(whole?.checked || wholeRpi?.checked); });
  };
  whole?.addEventListener("change", settle);
  wholeRpi?.addEventListener("change", settle);
  extra.collect = () => {
    if (wholeRpi?.checked) return { audience: { rpi_id: rpi.id } };
    const classIds = boxes.filter((b) => b.checked).map((b) => b.value);
    return { audience: whole?.checked ? { school: true } : { class_ids: classIds } };
  };
  const rpiLabel = rpi ? h("span", {}, ` Toutes les familles du ${rpi.name ? rpiTitle(rpi.name) : "RPI"}`) : null;
  if (rpi) nameRpi(rpi, rpiLabel);
  return h("fieldset", { class: "audience" }, h("legend", {}, "Pour qui ?"),
    wholeRpi ? h("label", { class: "check" }, wholeRpi, rpiLabel) : null,
    whole ? h("label", { class: "check" }, whole, " Toute l'école") : null,
    app.me.classes.map((c, i) => h("label", { class: "check" }, boxes[i], ` ${app.classLabel(c.id) || c.name}`)));
}

// The circonscription's team (the admin: a circonscription chosen first)
// writes to the directors and teachers of all its schools, or of some.
async function teamsAudience(app, params, extra) {
  const [{ circonscriptions = [] }, schools] = await Promise.all([
    api("GET", "/api/circonscriptions"),
    listSchools(app.isCirconscription() && app.me.user.circonscription_id ? `circonscription:${app.me.user.circonscription_id}` : "platform"),
  ]);
  const box = h("fieldset", { class: "audience teams" }, h("legend", {}, "Pour qui ?"));
  if (!circonscriptions.length) {
    box.append(h("p", { class: "empty" }, "Aucune circonscription pour l'instant."));
    extra.collect = () => { throw { message: "Aucune circonscription : créez-en une depuis la page du territoire." }; };
    return box;
  }
  const wanted = params.circonscription || app.me.user.circonscription_id;
  let current = circonscriptions.find((c) => c.id === wanted) || circonscriptions[0];
  const all = h("input", { type: "radio", name: "reach", value: "all", checked: !params.school });
  const some = h("input", { type: "radio", name: "reach", value: "some", checked: Boolean(params.school) });
  const allLabel = h("span", {});
  const list = h("div", { class: "school-choices", role: "group", "aria-label": "Les écoles choisies" });
  let boxes = [];
  const drawSchools = () => {
    const ids = new Set(current.school_ids || []);
    const mine = schools.filter((s) => ids.has(s.id) || s.circonscription_id === current.id)
      .sort((a, b) => a.name.localeCompare(b.name, "fr"));
    allLabel.textContent = ` Les équipes de toutes les écoles de la circonscription (${mine.length})`;
    boxes = mine.map((s) => h("input", { type: "checkbox", name: "school_ids", value: s.id, checked: s.id === params.school }));
    list.replaceChildren(...mine.map((s, i) => h("label", { class: "check" }, boxes[i], ` ${s.name}`)));
    if (!mine.length) list.append(h("p", { class: "empty" }, "Aucune école dans cette circonscription."));
    list.hidden = !some.checked;
  };
  for (const radio of [all, some]) radio.addEventListener("change", () => { list.hidden = !some.checked; });
  if (app.isAdmin()) {
    const select = h("select", { name: "circonscription_id" },
      circonscriptions.map((c) => h("option", { value: c.id, selected: c.id === current.id }, c.name)));
    select.addEventListener("change", () => { current = circonscriptions.find((c) => c.id === select.value); drawSchools(); });
    box.append(field("Circonscription", select));
  } else {
    box.append(h("p", { class: "hint" }, circonscriptionTitle(current.name)));
  }
  drawSchools();
  box.append(h("label", { class: "check" }, all, allLabel),
    h("label", { class: "check" }, some, " Les équipes des écoles choisies"), list,
    h("p", { class: "hint" }, "Le message va aux directeurs et aux enseignants de ces écoles, jamais aux familles."));
  extra.collect = () => {
    if (all.checked) return { audience: { staff_of: { circonscription_id: current.id } } };
    const schoolIds = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!schoolIds.length) throw { message: "Choisissez au moins une école." };
    return { audience: { staff_of: { school_ids: schoolIds } } };
  };
  return box;
}

function options(extra, toTeams = false) {
  const ack = h("input", { type: "checkbox", name: "require_ack" });
  const urgent = h("input", { type: "checkbox", name: "urgent" });
  const before = extra.collect;
  extra.collect = () => ({ ...before(), require_ack: ack.checked, urgent: urgent.checked });
  return h("fieldset", { class: "options" }, h("legend", {}, "Options"),
    h("label", { class: "check" }, ack, " Demander une signature (« Lu et pris connaissance »)"),
    h("label", { class: "check" }, urgent, toTeams ? " Urgent : prévenir les équipes tout de suite" : " Urgent : prévenir les familles tout de suite"));
}

function slotsEditor(extra) {
  const rows = h("ol", { class: "slot-rows" });
  function addRow(label = "", capacity = "4") {
    const labelInput = h("input", { name: "slot_label", value: label, maxlength: "200", required: true });
    const capacityInput = h("input", { name: "slot_capacity", type: "number", min: "1", max: "1000", value: capacity, inputmode: "numeric", required: true });
    const row = h("li", { class: "slot-row" }, field("Créneau", labelInput), field("Places", capacityInput),
      h("button", { type: "button", class: "secondary", onclick: () => { if (rows.children.length > 1) row.remove(); } }, "Retirer"));
    rows.append(row);
  }
  addRow();
  const closes = h("input", { type: "date", name: "closes_at", min: isoDay() });
  const before = extra.collect;
  extra.collect = () => {
    const slots = [...rows.children].map((row) => ({
      label: row.querySelector("[name=slot_label]").value.trim(),
      capacity: Number(row.querySelector("[name=slot_capacity]").value),
    }));
    const closing = closes.value ? { closes_at: new Date(`${closes.value}T23:59:00`).toISOString() } : {};
    return { ...before(), slots, ...closing };
  };
  return h("fieldset", { class: "slots-editor" }, h("legend", {}, "Créneaux"), rows,
    h("button", { type: "button", class: "secondary", onclick: () => addRow() }, "Ajouter un créneau"),
    field("Inscriptions jusqu'au (facultatif)", closes));
}

// A date for the agenda: the message's subject becomes the event of the classes it addresses.
function agendaDate(extra) {
  const wanted = h("input", { type: "checkbox", name: "agenda" });
  const day = h("input", { type: "date", name: "agenda_day", min: isoDay(), value: isoDay() });
  const start = h("input", { type: "time", name: "agenda_start", value: "08:30" });
  const end = h("input", { type: "time", name: "agenda_end", value: "09:30" });
  const place = h("input", { name: "agenda_location", maxlength: "200", autocomplete: "off" });
  const details = h("div", { class: "agenda-date", hidden: true },
    field("Jour", day), h("div", { class: "row" }, field("Début", start), field("Fin", end)),
    field("Lieu (facultatif)", place));
  const later = h("p", { class: "hint", hidden: true },
    "Un message programmé n'ajoute pas sa date : ajoutez-la ensuite depuis l'agenda.");
  wanted.addEventListener("change", () => { details.hidden = !wanted.checked; });
  details.addEventListener("input", ({ target }) => {  // a corrected field loses its error
    target.removeAttribute("aria-invalid");
    if (target.nextElementSibling?.classList.contains("field-error")) target.nextElementSibling.remove();
  });
  extra.scheduled = (scheduled) => {
    wanted.disabled = scheduled;
    later.hidden = !scheduled;
    details.hidden = scheduled || !wanted.checked;
  };
  extra.agendaDate = () => {
    if (!wanted.checked || wanted.disabled) return null;
    const fields = {};
    if (!day.value) fields.agenda_day = "Choisissez le jour.";
    if (!start.value) fields.agenda_start = "Indiquez l'heure de début.";
    if (!end.value) fields.agenda_end = "Indiquez l'heure de fin.";
    else if (start.value && end.value < start.value) fields.agenda_end = "La fin est avant le début.";
    if (Object.keys(fields).length) throw { message: "Vérifiez la date à ajouter à l'agenda.", fields };
    return { starts_at: parisMoment(day.value, start.value), ends_at: parisMoment(day.value, end.value), location: place.value.trim() };
  };
  return h("fieldset", { class: "agenda-date-box" }, h("legend", {}, "Agenda"),
    h("label", { class: "check" }, wanted, " Ajouter la date à l'agenda (sortie, réunion…)"), details, later);
}

function scheduling(extra) {
  const later = h("input", { type: "checkbox", name: "later" });
  const day = h("input", { type: "date", name: "send_day", min: isoDay(), value: isoDay() });
  const hour = h("input", { type: "time", name: "send_time", value: "07:30" });
  const when = h("div", { class: "row", hidden: true }, field("Jour", day), field("Heure", hour));
  later.addEventListener("change", () => { when.hidden = !later.checked; extra.scheduled?.(later.checked); });
  // The phone's clock and time zone: a teacher in Paris means Paris time.
  extra.sendAt = () => (later.checked ? new Date(`${day.value}T${hour.value}`).toISOString() : null);
  return h("div", {}, h("label", { class: "check" }, later, " Programmer l'envoi"), when);
}
