// The school page. The director: import the pupils and their families, print
// the activation letters, add a colleague, set the hour of the absence check,
// and see each class. A teacher: their classes only.
import { api } from "../api.js";
import { h, icon, field, errorBox, showError, rendered, toast } from "../dom.js";

export default async function staff(main, params, app) {
  main.classList.add("screen");
  const me = app.me;
  const role = me.user.role;
  const school = me.school;
  const head = ["director", "admin"].includes(role);
  const title = head ? "L'école" : "Mes classes";
  main.append(h("h1", { tabindex: "-1" }, title));

  if (!["director", "admin", "teacher"].includes(role)) {
    main.append(h("p", { class: "empty" }, "Cette page est réservée à l'équipe de l'école."));
    rendered(main, "staff", title);
    return undefined;
  }
  if (!school) {
    main.append(h("p", { class: "empty" }, "Ce compte n'est rattaché à aucune école."));
    rendered(main, "staff", title);
    return undefined;
  }

  main.append(h("p", { class: "school-name" }, school.city ? `${school.name}, ${school.city}` : school.name));
  if (head) main.append(h("p", { class: "actions" }, h("a", { class: "button secondary", href: "#/agenda" }, icon("agenda"), "Agenda de l'école"),
    h("a", { class: "button secondary", href: "#/calendar" }, icon("agenda"), "Calendrier et vacances")));
  const classesBox = h("section", { class: "classes-box", "aria-labelledby": "classes-title" });
  const drawClasses = () => classesBox.replaceChildren(
    // A teacher's page is their classes: its title already says so.
    h("h2", { id: "classes-title", class: head ? null : "sr-only" }, head ? "Les classes" : "Mes classes"),
    classList(app));

  if (head) {
    main.append(
      importSection(school, app, drawClasses),
      lettersSection(school),
      addStaffSection(school, app, drawClasses),
      await checkTimeSection(school));
  }
  drawClasses();
  main.append(classesBox);
  rendered(main, "staff", title);
  return undefined;
}

// The classes may have changed (an import, a new colleague): ask /api/me again.
async function refreshClasses(app) {
  try {
    const fresh = await api("GET", "/api/me");
    app.me.classes = fresh.classes;
  } catch { /* the list stays as it was */ }
}

function section(id, heading, ...children) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, heading), children);
}

// (a) The roster: the CSV file as exported by the school's software, sent as it is.
function importSection(school, app, drawClasses) {
  const file = h("input", { type: "file", name: "file", id: "roster-file", accept: ".csv,text/csv" });
  const button = h("button", { type: "submit" }, "Importer");
  const error = errorBox();
  const result = h("div", { class: "import-result", "aria-live": "polite" });
  const form = h("form", { class: "import-form", novalidate: true },
    field("Fichier CSV des élèves", file, "Une ligne par élève et par parent, avec les colonnes ci-dessous. Exporté du logiciel de l'école (ONDE) ou d'un tableur."),
    h("details", { class: "format" },
      h("summary", {}, "Colonnes attendues"),
      h("p", {}, "Classe ; Nom élève ; Prénom élève ; Date naissance ; Nom responsable ; Prénom responsable ; Courriel responsable ; Lien"),
      h("p", { class: "hint" }, "Séparées par « ; » ou « , ». Dates au format JJ/MM/AAAA. Le courriel peut rester vide : la famille aura sa lettre sur papier. Importer deux fois le même fichier ne crée rien en double.")),
    h("div", { class: "actions" }, button),
    error, result);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    result.replaceChildren();
    const chosen = file.files[0];
    if (!chosen) {
      showError(error, { message: "Choisissez d'abord le fichier." });
      file.focus();
      return;
    }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const done = await api("POST", `/api/schools/${school.id}/import`, chosen, { contentType: "text/csv" });
      const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;
      result.replaceChildren(h("div", { class: "success", role: "status" },
        h("p", {}, h("strong", {}, "Import terminé.")),
        h("ul", {},
          h("li", { dataset: { result: "classes" } }, plural(done.classes_created, "classe ajoutée", "classes ajoutées")),
          h("li", { dataset: { result: "children" } }, plural(done.children_created, "élève ajouté", "élèves ajoutés")),
          h("li", { dataset: { result: "guardians" } }, plural(done.guardians_created, "parent ajouté", "parents ajoutés"))),
        done.guardians_created
          ? h("p", {}, "Imprimez maintenant les lettres d'activation pour les nouveaux parents (ci-dessous).")
          : null));
      if (done.classes_created) { await refreshClasses(app); drawClasses(); }
      toast("Import terminé.");
    } catch (failure) {
      showError(error, failure);
      // Every error of every line (`lines`), not only the last one per line (`fields`).
      const lines = failure.detail?.lines || [];
      if (failure.code === "invalid_roster" && lines.length) {
        const total = failure.detail.error_count || lines.length;
        result.replaceChildren(
          h("p", {}, total > 1 ? `${total} erreurs à corriger dans le fichier :` : "Une erreur à corriger dans le fichier :"),
          h("ul", { class: "bad-lines" }, lines.map((bad) =>
            h("li", { dataset: { line: bad.line } }, h("strong", {}, `Ligne ${bad.line}`), bad.column ? ` (${bad.column})` : "", ` : ${bad.message}`))));
      }
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return section("roster", "Importer la liste des élèves", form);
}

// (b) The letters to print for the families that get them on paper.
function lettersSection(school) {
  return section("letters", "Lettres d'activation",
    h("p", {}, "Une lettre par parent qui n'a pas encore activé son compte, avec son identifiant et son code. Imprimez-les et donnez-les aux élèves pour leurs parents."),
    h("p", { class: "hint", id: "letters-hint" }, "Chaque impression donne de nouveaux codes ; les lettres déjà distribuées restent valables."),
    h("a", {
      class: "button", id: "letters-link", href: `/api/schools/${school.id}/activation-letters`,
      target: "_blank", rel: "noopener", "aria-describedby": "letters-hint",
    }, "Ouvrir les lettres à imprimer", h("span", { class: "sr-only" }, " (nouvel onglet)")));
}

// (c) A new teacher or director: their login and one-time code to hand over.
function addStaffSection(school, app, drawClasses) {
  const roleChoice = h("select", { name: "role" },
    h("option", { value: "teacher" }, "Enseignement"),
    h("option", { value: "director" }, "Direction"));
  const name = h("input", { name: "display_name", maxlength: "100", required: true, autocomplete: "off" });
  const email = h("input", { type: "email", name: "email", maxlength: "254", autocomplete: "off" });
  const classNames = h("input", { name: "class_names", autocomplete: "off" });
  const button = h("button", { type: "submit" }, "Ajouter");
  const error = errorBox();
  const result = h("div", { class: "staff-result", "aria-live": "polite" });
  const form = h("form", { class: "staff-form", id: "add-staff", novalidate: true },
    field("Fonction", roleChoice),
    field("Nom affiché aux familles", name, "Par exemple : Mme Martin."),
    field("Courriel (facultatif)", email),
    field("Classes", classNames, "Séparées par des virgules, par exemple : CM1, CM2. Une classe qui n'existe pas encore est créée."),
    h("div", { class: "actions" }, button),
    error);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    result.replaceChildren();
    if (!name.value.trim()) {
      showError(error, { message: "Indiquez le nom.", fields: { display_name: "Obligatoire." } }, form);
      name.focus();
      return;
    }
    const body = {
      role: roleChoice.value,
      display_name: name.value.trim(),
      class_names: classNames.value.split(/[,;]/).map((c) => c.trim()).filter(Boolean),
    };
    if (email.value.trim()) body.email = email.value.trim();
    button.disabled = true;
    try {
      const made = await api("POST", `/api/schools/${school.id}/staff`, body);
      showError(error, { message: "", fields: {} }, form);
      result.replaceChildren(h("div", { class: "success credentials", role: "status" },
        h("p", {}, h("strong", {}, `Compte créé pour ${made.user.display_name}.`), " Donnez-lui ces informations pour activer son compte :"),
        h("dl", { class: "facts" },
          h("dt", {}, "Identifiant"), h("dd", { class: "login" }, made.login || "—"),
          h("dt", {}, "Code d'activation"), h("dd", { class: "code" }, made.activation_code || "—")),
        h("p", { class: "hint" }, "Sur la page de connexion, « Activer mon compte » : le code sert une seule fois.")));
      for (const input of [name, email, classNames]) input.value = "";
      if (body.class_names.length) { await refreshClasses(app); drawClasses(); }
    } catch (failure) {
      showError(error, failure, form);
      form.querySelector("[aria-invalid]")?.focus();
    } finally {
      button.disabled = false;
    }
  });
  return section("add-staff-box", "Ajouter un membre de l'équipe", form, result);
}

// (d) The hour at which absences nobody on the staff has read go to the director.
async function checkTimeSection(school) {
  const input = h("input", { type: "time", name: "check_time", id: "check-time", required: true });
  const error = errorBox();
  const button = h("button", { type: "submit" }, "Enregistrer");
  const form = h("form", { class: "check-form", novalidate: true },
    field("Heure de vérification", input, "Chaque jour d'école à cette heure, les absences que personne de l'équipe n'a lues vous sont signalées."),
    h("div", { class: "actions" }, button),
    error);
  try {
    const { check_time: checkTime } = await api("GET", `/api/schools/${school.id}/absence-settings`);
    input.value = checkTime;
  } catch (failure) {
    showError(error, failure);
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!input.value) {
      showError(error, { message: "Indiquez une heure.", fields: { check_time: "Obligatoire." } }, form);
      return;
    }
    button.disabled = true;
    try {
      const saved = await api("PUT", `/api/schools/${school.id}/absence-settings`, { check_time: input.value.slice(0, 5) });
      input.value = saved.check_time;
      showError(error, { message: "", fields: {} }, form);
      const [hours, minutes] = saved.check_time.split(":");
      toast(`Les absences non lues vous seront signalées à ${Number(hours)} h ${minutes}.`);
    } catch (failure) {
      showError(error, failure, form);
    } finally {
      button.disabled = false;
    }
  });
  return section("absence-check", "Absences non lues", form);
}

// (e) The classes: the register, and the pupils with their families (fetched when opened).
function classList(app) {
  const classes = app.me.classes;
  if (!classes.length) return h("p", { class: "empty" }, "Aucune classe pour l'instant.");
  return h("ul", { class: "class-list" }, classes.map((c) => {
    const body = h("div", { class: "members" }, h("p", {}, "Chargement…"));
    const details = h("details", {}, h("summary", {}, "Élèves et parents"), body);
    let loaded = false;
    details.addEventListener("toggle", async () => {
      if (!details.open || loaded) return;
      loaded = true;
      try {
        body.replaceChildren(...members(await api("GET", `/api/classes/${c.id}/members`), app));
      } catch (failure) {
        loaded = false;
        const box = errorBox();
        showError(box, failure);
        body.replaceChildren(box);
      }
    });
    return h("li", { class: "class-item card", dataset: { classId: c.id } },
      h("div", { class: "class-head" },
        h("h3", {}, `Classe ${app.classLabel(c.id) || c.name}`),  // "CP — École …" for a teacher of two schools
        h("span", { class: "class-links" },
          h("a", { class: "button secondary", href: `#/register/${c.id}` }, icon("absence"), "Absences", h("span", { class: "sr-only" }, ` de la classe ${c.name}`)),
          h("a", { class: "button secondary", href: `#/blog/${c.id}` }, icon("blog"), "Blog et cahiers", h("span", { class: "sr-only" }, ` de la classe ${c.name}`)))),
      details);
  }));
}

function members(data, app) {
  const head = ["director", "admin"].includes(app.me.user.role);  // who prints letters
  const children = data.children || [];
  const guardians = children.flatMap((child) => child.guardians || []);
  const unique = new Map(guardians.map((g) => [g.user_id, g]));
  const active = [...unique.values()].filter((g) => g.activated).length;
  const parts = [];
  if (data.teachers?.length) {
    parts.push(h("p", {}, h("strong", {}, "Enseignement : "),
      data.teachers.map((t) => t.display_name).join(", ")));
  }
  parts.push(h("p", { class: "hint" },
    `${children.length} élève${children.length > 1 ? "s" : ""} · ${unique.size} parent${unique.size > 1 ? "s" : ""}, dont ${active} avec un compte activé.`));
  if (!children.length) {
    parts.push(h("p", { class: "empty" }, "Aucun élève dans cette classe."));
    return parts;
  }
  parts.push(h("ul", { class: "pupils" }, children.map((child) =>
    h("li", { dataset: { childId: child.id } },
      h("p", { class: "pupil" }, child.display_name),
      child.guardians?.length
        ? h("ul", { class: "guardian-list" }, child.guardians.map((g) =>
          h("li", { dataset: { userId: g.user_id } },
            h("span", { class: "person" }, g.display_name),
            g.relationship ? ` (${g.relationship.toLowerCase()})` : "",
            h("span", { class: "account-line" },
              g.activated
                ? h("span", { class: "tag active" }, icon("check"), "compte activé")
                : h("span", { class: "tag inactive" }, "pas encore activé"),
              g.login ? h("span", { class: "login" }, ` identifiant : ${g.login}`) : null,
              // A letter lost in the schoolbag: this family's again, with a fresh code.
              head && !g.activated ? [" · ", letterLink(data.class.school_id, g, "Réimprimer sa lettre")] : null),
            // A password forgotten by a family without email: a new letter.
            g.activated ? newLetter(data.class.school_id, g, head) : null)))
        : h("p", { class: "hint" }, "Aucun parent enregistré.")))));
  return parts;
}

function letterLink(schoolId, guardian, label) {
  return h("a", {
    class: "letter-again", target: "_blank", rel: "noopener",
    href: `/api/schools/${schoolId}/activation-letters?guardian_id=${guardian.user_id}`,
  }, label, h("span", { class: "sr-only" }, ` (${guardian.display_name}, nouvel onglet)`));
}

// A new letter for a family that lost its password (without email, "Mot de passe
// oublié" cannot help): a new code, and the old password and sessions stop working.
// The director prints the letter; a teacher hands the code over.
function newLetter(schoolId, guardian, head) {
  const error = errorBox();
  const result = h("div", { class: "new-letter-result", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary new-letter" },
    "Nouvelle lettre", h("span", { class: "sr-only" }, ` pour ${guardian.display_name}`));
  button.addEventListener("click", async () => {
    if (!confirm(`Donner une nouvelle lettre à ${guardian.display_name} ? Son mot de passe actuel ne marchera plus et ses appareils seront déconnectés : il faudra activer le compte avec le nouveau code.`)) return;
    error.textContent = "";
    button.disabled = true;
    try {
      const { activation_code: code } = await api("POST", `/api/users/${guardian.user_id}/new-letter`);
      button.remove();
      result.replaceChildren(h("div", { class: "success credentials", role: "status" },
        h("p", {}, h("strong", {}, `Nouvelle lettre pour ${guardian.display_name}.`), " L'ancien mot de passe ne marche plus."),
        h("dl", { class: "facts" },
          h("dt", {}, "Identifiant"), h("dd", { class: "login" }, guardian.login || "—"),
          h("dt", {}, "Code d'activation"), h("dd", { class: "code" }, code)),
        head
          ? h("p", {}, letterLink(schoolId, guardian, "Ouvrir la lettre à imprimer"),
            h("span", { class: "hint" }, " (elle porte un nouveau code ; celui-ci reste valable aussi)"))
          : h("p", { class: "hint" }, "Donnez ce code à la famille : sur la page de connexion, « Activer mon compte ». Il sert une seule fois.")));
      toast(`Nouvelle lettre pour ${guardian.display_name}.`);
    } catch (failure) {
      button.disabled = false;
      showError(error, failure);
    }
  });
  return h("div", { class: "new-letter-box" }, button, error, result);
}
