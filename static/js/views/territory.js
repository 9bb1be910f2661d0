// The admin's territory: the circonscriptions (created here, each opening its
// home, its team's accounts made here with their activation code), the
// schools grouped by circonscription (created in one, moved to another:
// PATCH /api/schools/{id}), and the RPIs (village schools sharing their
// families, made from schools).
import { api } from "../api.js";
import { h, icon, field, errorBox, showError, rendered, toast } from "../dom.js";
import { listSchools, count, rpiTitle } from "./circonscription.js";

const NONE = "";

export default async function territory(main, params, app) {
  main.classList.add("screen");
  const title = "Le territoire";
  main.append(h("h1", { tabindex: "-1" }, title));
  if (!app.isAdmin()) {
    main.append(h("p", { class: "empty" }, "Cette page est réservée à l'administration de la plateforme."));
    rendered(main, "territory", title);
    return undefined;
  }
  const [{ circonscriptions = [] }, schools, known] = await Promise.all([
    api("GET", "/api/circonscriptions"),
    listSchools("platform"),
    api("GET", "/api/rpis").catch(() => null),
  ]);
  const state = { circonscriptions, schools, rpis: known?.rpis || rpisOf(schools) };
  // Where each school is: the list's own field, or the circonscriptions' lists.
  for (const c of circonscriptions) {
    for (const id of c.school_ids || []) {
      const school = schools.find((s) => s.id === id);
      if (school) school.circonscription_id = c.id;
    }
  }

  const parts = {};
  const redraw = () => Object.values(parts).forEach((part) => part.draw());
  parts.circonscriptions = circonscriptionsSection(state, redraw);
  parts.schools = schoolsSection(state, redraw);
  parts.rpis = rpisSection(state, redraw);
  main.append(h("p", { class: "tagline" }, "Les circonscriptions, leurs écoles et leurs équipes, et les RPI."),
    h("div", { class: "actions page-links" }, h("a", { class: "button secondary", href: "#/stats?scope=platform" }, icon("board"), "Le bilan de la plateforme")),
    parts.circonscriptions.element, parts.schools.element, parts.rpis.element);
  redraw();
  rendered(main, "territory", title);
  return undefined;
}

// The RPIs the school list tells of (`rpi_id`, `rpi_name` or `rpi`), with their schools.
function rpisOf(schools) {
  const rpis = new Map();
  for (const school of schools) {
    const id = school.rpi_id || school.rpi?.id;
    if (!id) continue;
    const rpi = rpis.get(id) || { id, name: school.rpi_name || school.rpi?.name || "RPI", school_ids: [] };
    rpi.school_ids.push(school.id);
    rpis.set(id, rpi);
  }
  return [...rpis.values()];
}

function section(id, heading, ...children) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, heading), children);
}

const byName = (a, b) => a.name.localeCompare(b.name, "fr");

function schoolsIn(state, circonscriptionId) {
  return state.schools.filter((s) => (s.circonscription_id || NONE) === circonscriptionId).sort(byName);
}

function circonscriptionOptions(state, selected, none = null) {
  return [
    none ? h("option", { value: NONE, selected: !selected }, none) : null,
    ...[...state.circonscriptions].sort(byName).map((c) => h("option", { value: c.id, selected: c.id === selected }, c.name)),
  ];
}

// (a) The circonscriptions: a table (its schools), one to create, and the team's accounts.
function circonscriptionsSection(state, redraw) {
  const body = h("tbody");
  const table = h("table", { class: "territory-table" },
    h("caption", { class: "sr-only" }, "Les circonscriptions et leur nombre d'écoles"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Circonscription"), h("th", { scope: "col" }, "Écoles"))),
    body);
  const empty = h("p", { class: "empty" }, "Aucune circonscription pour l'instant.");

  const name = h("input", { name: "name", maxlength: "200", required: true, autocomplete: "off" });
  const error = errorBox();
  const create = h("form", { class: "create-circonscription", novalidate: true },
    h("h3", {}, "Nouvelle circonscription"),
    field("Nom de la circonscription", name, "Par exemple : Lyon 3 – Villeurbanne."),
    h("button", { type: "submit" }, "Créer la circonscription"), error);
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const made = await api("POST", "/api/circonscriptions", { name: name.value.trim() });
      state.circonscriptions.push({ school_ids: [], ...made });
      name.value = "";
      toast(`Circonscription « ${made.name} » créée.`);
      redraw();
    } catch (failure) { showError(error, failure, create); }
  });

  const team = teamForm(state);
  return {
    element: section("circonscriptions", "Les circonscriptions", table, empty, create, team.element),
    draw() {
      const sorted = [...state.circonscriptions].sort(byName);
      body.replaceChildren(...sorted.map((c) => h("tr", { dataset: { circonscriptionId: c.id } },
        h("th", { scope: "row" }, h("a", { href: `#/circonscription?id=${c.id}` }, c.name)),
        h("td", { class: "number" }, String(schoolsIn(state, c.id).length)))));
      table.hidden = !sorted.length;
      empty.hidden = sorted.length > 0;
      team.draw();
    },
  };
}

// A member of a circonscription's team (IEN, adviser, eRun): their account and
// the activation code of their letter.
function teamForm(state) {
  const which = h("select", { name: "circonscription_id", required: true });
  const display = h("input", { name: "display_name", maxlength: "100", required: true, autocomplete: "off" });
  const email = h("input", { name: "email", type: "email", maxlength: "254", autocomplete: "off" });
  const error = errorBox();
  const result = h("div", { class: "team-result", role: "status" });
  const form = h("form", { class: "team-form", novalidate: true },
    h("h3", {}, "L'équipe d'une circonscription"),
    h("p", { class: "hint" }, "L'inspecteur ou l'inspectrice, les conseillers pédagogiques, l'ERUN : ils voient les écoles et leurs chiffres, et écrivent aux équipes, jamais aux familles."),
    field("Circonscription", which),
    field("Nom affiché", display, "Par exemple : Mme Durand, IEN."),
    field("Courriel (facultatif)", email),
    h("button", { type: "submit" }, "Créer le compte"), error, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    result.replaceChildren();
    const body = { display_name: display.value.trim() };
    if (email.value.trim()) body.email = email.value.trim();
    try {
      const made = await api("POST", `/api/circonscriptions/${which.value}/staff`, body);
      const user = made.user || {};
      const login = made.login || user.login;
      result.replaceChildren(h("div", { class: "success" },
        h("p", {}, icon("check"), `Compte créé pour ${user.display_name || body.display_name}.`),
        h("dl", { class: "facts" },
          login ? [h("dt", {}, "Identifiant"), h("dd", {}, login)] : null,
          h("dt", {}, "Code d'activation"), h("dd", { class: "code" }, made.activation_code)),
        h("p", { class: "hint" }, "À transmettre à la personne : elle active son compte avec ce code (« J'ai reçu une lettre avec un code »).")));
      display.value = "";
      email.value = "";
    } catch (failure) { showError(error, failure, form); }
  });
  return {
    element: form,
    draw() {
      const chosen = which.value;
      which.replaceChildren(...circonscriptionOptions(state, chosen));
      form.hidden = !state.circonscriptions.length;
    },
  };
}

// (b) The schools by circonscription; moving one; creating one.
function schoolsSection(state, redraw) {
  const groups = h("div", { class: "school-groups" });

  const school = h("select", { name: "school_id", required: true });
  const target = h("select", { name: "circonscription_id", required: true });
  const moveError = errorBox();
  const move = h("form", { class: "move-school", novalidate: true },
    h("h3", {}, "Déplacer une école"),
    field("École", school), field("Vers la circonscription", target),
    h("button", { type: "submit" }, "Déplacer"), moveError);
  move.addEventListener("submit", async (event) => {
    event.preventDefault();
    moveError.textContent = "";
    const moved = state.schools.find((s) => s.id === school.value);
    const to = state.circonscriptions.find((c) => c.id === target.value) || null;  // none: detached
    if (!moved) { moveError.textContent = "Choisissez l'école."; return; }
    try {
      const answer = await api("PATCH", `/api/schools/${moved.id}`, { circonscription_id: to?.id || null });
      for (const c of state.circonscriptions) c.school_ids = (c.school_ids || []).filter((id) => id !== moved.id);
      to?.school_ids.push(moved.id);
      Object.assign(moved, answer && typeof answer === "object" && answer.id ? answer : {}, { circonscription_id: to?.id || null });
      toast(to ? `${moved.name} est maintenant dans la circonscription ${to.name}.` : `${moved.name} n'est plus dans une circonscription.`);
      redraw();
      school.value = moved.id;
    } catch (failure) { showError(moveError, failure, move); }
  });

  const name = h("input", { name: "name", maxlength: "200", required: true, autocomplete: "off" });
  const city = h("input", { name: "city", maxlength: "100", required: true, autocomplete: "address-level2" });
  const uai = h("input", { name: "uai", maxlength: "8", required: true, autocomplete: "off", autocapitalize: "characters" });
  const inCirconscription = h("select", { name: "circonscription_id" });
  const createError = errorBox();
  const create = h("form", { class: "create-school", novalidate: true },
    h("h3", {}, "Nouvelle école"),
    field("Nom de l'école", name, "Par exemple : École maternelle Jules-Ferry."),
    field("Ville", city), field("Numéro UAI", uai, "7 chiffres et une lettre (ex. 0691234A)."),
    field("Circonscription", inCirconscription),
    h("button", { type: "submit" }, "Créer l'école"), createError);
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    createError.textContent = "";
    const body = { name: name.value.trim(), city: city.value.trim(), uai: uai.value.trim() };
    if (inCirconscription.value) body.circonscription_id = inCirconscription.value;
    try {
      const made = await api("POST", "/api/schools", body);
      const where = made.circonscription_id || body.circonscription_id || null;
      state.schools.push({ ...made, circonscription_id: where });
      state.circonscriptions.find((c) => c.id === where)?.school_ids.push(made.id);
      for (const input of [name, city, uai]) input.value = "";
      toast(`École « ${made.name} » créée.`);
      redraw();
    } catch (failure) { showError(createError, failure, create); }
  });

  return {
    element: section("schools", "Les écoles", groups, move, create),
    draw() {
      const all = [...state.circonscriptions].sort(byName).map((c) => [c.id, c.name]);
      const lists = [...all, [NONE, "Sans circonscription"]].map(([id, label]) => {
        const mine = schoolsIn(state, id);
        if (id === NONE && !mine.length) return null;
        return h("details", { class: "school-group", dataset: { circonscriptionId: id } },
          h("summary", {}, `${label} (${count(mine.length, "école", "écoles", "aucune école")})`),
          mine.length
            ? h("ul", { class: "school-list" }, mine.map((s) => h("li", { dataset: { schoolId: s.id } },
              h("span", { class: "school-name" }, s.name), s.city ? h("span", { class: "school-city" }, ` · ${s.city}`) : null,
              rpiName(state, s) ? h("span", { class: "tag" }, rpiTitle(rpiName(state, s))) : null)))
            : h("p", { class: "empty" }, "Aucune école."));
      });
      const open = new Set([...groups.querySelectorAll("details[open]")].map((d) => d.dataset.circonscriptionId));
      groups.replaceChildren(...lists.filter(Boolean));
      for (const details of groups.querySelectorAll("details")) details.open = open.has(details.dataset.circonscriptionId);
      if (!state.schools.length) groups.append(h("p", { class: "empty" }, "Aucune école pour l'instant."));

      const chosenSchool = school.value;
      school.replaceChildren(...all.concat([[NONE, "Sans circonscription"]]).map(([id, label]) => {
        const mine = schoolsIn(state, id);
        return mine.length ? h("optgroup", { label }, mine.map((s) => h("option", { value: s.id, selected: s.id === chosenSchool }, s.name))) : null;
      }).filter(Boolean));
      const chosenTarget = target.value;
      target.replaceChildren(...circonscriptionOptions(state, chosenTarget),
        h("option", { value: NONE, selected: chosenTarget === NONE && target.options.length > 0 }, "Aucune (l'école n'est plus dans une circonscription)"));
      move.hidden = !state.schools.length || !state.circonscriptions.length;
      const chosenHome = inCirconscription.value;
      inCirconscription.replaceChildren(...circonscriptionOptions(state, chosenHome, "Aucune pour l'instant"));
    },
  };
}

function rpiName(state, school) {
  return state.rpis.find((r) => r.school_ids.includes(school.id))?.name || null;
}

// (c) The RPIs: village schools whose families have children in two or three of them.
function rpisSection(state, redraw) {
  const list = h("ul", { class: "rpi-list" });
  const empty = h("p", { class: "empty" }, "Aucun RPI connu pour l'instant.");
  const name = h("input", { name: "name", maxlength: "200", required: true, autocomplete: "off" });
  const from = h("select", { name: "from_circonscription" });
  const choices = h("fieldset", { class: "rpi-schools" }, h("legend", {}, "Ses écoles"));
  const error = errorBox();
  const form = h("form", { class: "create-rpi", novalidate: true },
    h("h3", {}, "Nouveau RPI"),
    field("Nom du RPI", name, "Par exemple : RPI des Trois Villages."),
    field("Écoles de la circonscription", from), choices,
    h("button", { type: "submit" }, "Créer le RPI"), error);
  const drawChoices = () => {
    const mine = schoolsIn(state, from.value).filter((s) => !rpiName(state, s));
    choices.replaceChildren(h("legend", {}, "Ses écoles"),
      ...(mine.length
        ? mine.map((s) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "school_ids", value: s.id }), ` ${s.name}`))
        : [h("p", { class: "empty" }, "Aucune école libre ici.")]));
  };
  let fromChoice = null;
  from.addEventListener("change", () => { fromChoice = from.value; drawChoices(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const schoolIds = [...choices.querySelectorAll("input:checked")].map((b) => b.value);
    try {
      const made = await api("POST", "/api/rpis", { name: name.value.trim(), school_ids: schoolIds });
      state.rpis.push({ school_ids: schoolIds, ...made });
      name.value = "";
      toast(`RPI « ${made.name} » créé.`);
      redraw();
    } catch (failure) { showError(error, failure, form); }
  });
  return {
    element: section("rpis", "Les RPI", h("p", { class: "hint" }, "Un regroupement pédagogique intercommunal : ses directeurs écrivent à toutes les familles de ses écoles."), list, empty, form),
    draw() {
      const names = (rpi) => rpi.school_ids.map((id) => state.schools.find((s) => s.id === id)?.name).filter(Boolean);
      list.replaceChildren(...[...state.rpis].sort(byName).map((rpi) => h("li", { dataset: { rpiId: rpi.id } },
        h("strong", {}, rpi.name), ` : ${names(rpi).join(", ") || count(rpi.school_ids.length, "école")}`)));
      empty.hidden = state.rpis.length > 0;
      from.replaceChildren(...circonscriptionOptions(state, fromChoice ?? state.circonscriptions[0]?.id, "Sans circonscription"));
      drawChoices();
    },
  };
}
