// "Droit à l'image". A parent says yes or no for each child, and sees what
// the child's other parents decided. The staff see, class by class, which
// children must not appear on the photos shown to the families.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, add, fill, icon, longDay, errorBox, showError, rendered, toast, at, time, isoDay, addDays } from "../dom.js";
import { classChips, moderates } from "./blog.js";
import { de, plural } from "../french.js";

export default async function consent(main, params, app) {
  main.classList.add("screen");
  // The class overview: the staff, and the platform admin (consent/policy.py, view_class).
  const overview = app.isStaff() || app.isAdmin();
  const classId = params.classId || (overview ? app.me.classes[0]?.id : null);
  if (overview) return classConsents(main, classId, app);
  main.append(h("h1", { tabindex: "-1" }, "Droit à l'image"));
  if (app.me.user.role !== "parent" || !app.me.children.length) {
    main.append(h("p", { class: "empty" }, "Seuls les parents donnent leur accord pour les photos de leurs enfants."));
    rendered(main, "consent", "Droit à l'image");
    return undefined;
  }
  const views = await Promise.all(app.me.children.map((c) => api("GET", `/api/children/${c.id}/image-consent`)));
  main.append(explanation(app));
  const sections = app.me.children.map((child, index) => childSection(child, views[index], app));
  main.append(...sections.map((s) => s.element));
  // Another parent of the child decides meanwhile: seen at once.
  const stop = app.live.on(EVENT.CONSENT_UPDATED, (view) => {
    sections.find((s) => s.childId === view?.child?.id)?.update(view);
  });
  rendered(main, "consent", "Droit à l'image");
  return stop;
}

function explanation(app) {
  const your = app.me.children.length > 1 ? "de chacun de vos enfants" : "de votre enfant";
  return h("section", { class: "card explain", "aria-labelledby": "explain-title" },
    h("h2", { id: "explain-title" }, "De quoi s'agit-il ?"),
    h("p", {}, "L'enseignant prend parfois des photos en classe, pour le blog de la classe et pour les pages « Pour toute la classe » du cahier de réalisations."),
    h("ul", { class: "explain-list" },
      h("li", {}, "Ces photos sont vues par les familles de la classe, et par personne d'autre."),
      h("li", {}, "La photo d'un enfant n'est montrée aux autres familles que si chacun de ses parents a dit oui."),
      h("li", {}, "Sans l'accord de tous ses parents, sa photo n'est pas montrée aux autres."),
      h("li", {}, `Le cahier de réalisations ${your} n'est pas concerné : ses propres pages, vues seulement par sa famille et par l'école, peuvent toujours avoir sa photo.`),
      h("li", {}, "Vous pouvez changer votre choix ici quand vous voulez.")));
}

function decision(guardian) {
  if (guardian.granted === true) return ["a accepté", "agreed", guardian.decided_at];
  if (guardian.granted === false) return ["a refusé", "refused", guardian.decided_at];
  return ["n'a pas encore répondu", "waiting", null];
}

function childSection(child, initial, app) {
  let view = initial;
  const titleId = `consent-${child.id}`;
  const section = h("section", { class: "card consent-child", "aria-labelledby": titleId, dataset: { childId: child.id } });
  const error = errorBox();

  function draw() {
    const mine = view.guardians.find((g) => g.user_id === app.me.user.id);
    const others = view.guardians.filter((g) => g.user_id !== app.me.user.id);
    const refused = view.guardians.some((g) => g.granted === false);
    const state = view.consented
      ? h("p", { class: "consent-state ok" }, icon("check"),
        `Accord complet : la photo ${de(child.first_name)} peut être montrée aux familles de la classe.`)
      : h("p", { class: "consent-state missing" }, refused
        ? `Un parent a refusé : la photo ${de(child.first_name)} n'est pas montrée aux autres familles.`
        : `Pas encore l'accord de tous ses parents : la photo ${de(child.first_name)} n'est pas montrée aux autres familles.`);
    // Two equal choices: neither is styled as the default nor chosen in advance;
    // the one the parent made is marked (aria-pressed, and a check).
    const choose = (granted) => h("button", {
      type: "button",
      class: "secondary choose",
      "aria-pressed": String(mine?.granted === granted),
      dataset: { granted: String(granted) },
      onclick: (event) => decide(granted, event.currentTarget),
    }, mine?.granted === granted ? icon("check") : null, granted ? "J'accepte" : "Je refuse",
    h("span", { class: "sr-only" }, ` pour ${child.first_name}`));
    const [myText] = mine ? decision(mine) : [];
    fill(section,
      h("h2", { id: titleId }, child.display_name || child.first_name),
      state,
      others.length
        ? [h("h3", {}, plural(others.length, "Son autre parent", "Ses autres parents")),
          h("ul", { class: "guardians" }, others.map((g) => {
            const [text, kind, at] = decision(g);
            return h("li", { class: `decision ${kind}`, dataset: { userId: g.user_id } },
              h("span", { class: "person" }, g.display_name), ` ${text}`, at ? ` le ${longDay(at)}` : "",
              g.on_paper ? " (formulaire papier)" : "", ".");
          }))]
        : null,
      h("h3", {}, "Votre choix"),
      h("p", { class: "my-choice" }, mine && mine.granted !== null && mine.granted !== undefined
        ? `Vous ${myText.replace(/^a /, "avez ")}${mine.decided_at ? ` le ${longDay(mine.decided_at)}` : ""}${mine.on_paper ? " (formulaire papier)" : ""}.`
        : "Vous n'avez pas encore répondu."),
      h("div", { class: "actions choices-row" }, choose(true), choose(false)),
      error);
  }

  async function decide(granted, button) {
    error.textContent = "";
    for (const b of section.querySelectorAll("button.choose")) b.disabled = true;
    try {
      view = await api("PUT", `/api/children/${child.id}/image-consent`, { granted });
      draw();
      toast(granted ? `Merci : votre accord pour ${child.first_name} est enregistré.` : `Votre refus pour ${child.first_name} est enregistré.`);
      section.querySelector(`button.choose[data-granted="${granted}"]`)?.focus();
    } catch (failure) {
      for (const b of section.querySelectorAll("button.choose")) b.disabled = false;
      showError(error, failure);
      button.focus();
    }
  }

  draw();
  return {
    element: section,
    childId: child.id,
    update(fresh) {
      if (section.contains(document.activeElement) && document.activeElement.matches("button.choose")) {
        view = fresh;
        const focused = document.activeElement.dataset.granted;
        draw();
        section.querySelector(`button.choose[data-granted="${focused}"]`)?.focus();
        return;
      }
      view = fresh;
      draw();
    },
  };
}

// The staff: per class, the children without every parent's agreement first.
async function classConsents(main, classId, app) {
  const title = "Droit à l'image";
  main.append(h("h1", { tabindex: "-1" }, title));
  if (!classId) {
    main.append(h("p", { class: "empty" }, "Aucune classe pour l'instant."));
    rendered(main, "consent", title);
    return undefined;
  }
  const className = app.className(classId);
  const box = h("div", { class: "consent-box" });
  // The class's teachers and the directors ask the families and record the paper forms.
  const acts = moderates(app, classId);
  const formsUrl = `/api/classes/${classId}/image-consents/forms`;
  const reload = async () => draw(await api("GET", `/api/classes/${classId}/image-consents`));

  async function remind(count, button) {
    if (!confirm(`Envoyer un rappel ${count > 1 ? `aux ${count} parents` : "au parent"} qui n'${count > 1 ? "ont" : "a"} pas encore répondu ?`)) return;
    button.disabled = true;
    try {
      const sent = await api("POST", `/api/classes/${classId}/image-consents/remind`);
      toast(`Rappel envoyé à ${sent.guardians} parent${sent.guardians > 1 ? "s" : ""}.`);
    } catch (failure) {
      toast(failure.message); // already reminded today: the screen says when
    }
    try { await reload(); } catch { /* the list stays as it was */ }
    box.querySelector(".reminded")?.focus();
  }

  async function recordPaper(child, guardian, granted, button) {
    const answer = granted ? "accepte" : "refuse";
    if (!confirm(`Enregistrer le formulaire signé ${de(guardian.display_name)} pour ${child.first_name} : ${answer} ?`)) return;
    button.disabled = true;
    try {
      await api("POST", `/api/children/${child.id}/image-consent/paper`, { guardian_id: guardian.user_id, granted });
      toast(`Formulaire ${de(guardian.display_name)} enregistré : ${answer}.`);
      await reload();
      (box.querySelector(`[data-child-id="${CSS.escape(child.id)}"] a.print-one`) || box.querySelector(".consent-summary"))?.focus();
    } catch (failure) {
      button.disabled = false;
      toast(failure.message);
    }
  }

  // Asking again: a reminder to those who have not answered, and the forms to print.
  function askBox(data, waiting) {
    const silent = waiting.flatMap((c) => (c.guardians || []).filter((g) => g.granted === null));
    const reachable = new Set(silent.filter((g) => g.activated).map((g) => g.user_id));
    const offline = new Set(silent.filter((g) => !g.activated).map((g) => g.user_id));
    const next = data.next_reminder_at && new Date(data.next_reminder_at) > new Date() ? data.next_reminder_at : null;
    const nextText = next && (isoDay(new Date(next)) === addDays(isoDay(), 1) ? `demain à ${time(next)}` : at(next));
    const section = h("section", { class: "card consent-ask", "aria-labelledby": "ask-title" },
      h("h2", { id: "ask-title" }, "Demander l'accord"),
      h("p", {}, `${waiting.length} ${plural(waiting.length, "élève")} en attente d'une réponse ${plural(waiting.length, "de ses parents", "de leurs parents")}.`));
    if (acts) {
      if (data.reminded_at) {
        section.append(h("p", { class: "reminded", tabindex: "-1" },
          `Dernière relance ${at(data.reminded_at)}.`, next ? ` Prochaine relance possible ${nextText}.` : ""));
      }
      if (!next && reachable.size) {
        const button = h("button", { type: "button", class: "remind" }, icon("send"),
          `Relancer les familles (${reachable.size} parent${reachable.size > 1 ? "s" : ""})`);
        button.addEventListener("click", () => remind(reachable.size, button));
        section.append(h("p", { class: "hint" }, "Chaque parent qui n'a pas répondu reçoit une notification (ou un courriel) avec le lien pour répondre. Une relance par jour au plus."), button);
      }
      if (offline.size) {
        section.append(h("p", { class: "without-account" }, offline.size > 1
          ? `${offline.size} parents n'ont pas encore de compte Liaison : donnez-leur le formulaire papier.`
          : "1 parent n'a pas encore de compte Liaison : donnez-lui le formulaire papier."));
      }
    }
    section.append(h("a", { class: "button secondary print-forms", href: formsUrl, target: "_blank", rel: "noopener" },
      icon("print"), `Imprimer les formulaires (${waiting.length})`, h("span", { class: "sr-only" }, " (nouvel onglet)")));
    return section;
  }

  // A paper form came back signed: each guardian's answer, recorded by the teacher.
  function paperBox(child) {
    const open = (child.guardians || []).filter((g) => g.granted !== true);
    if (!acts || !open.length) return null;
    return h("details", { class: "paper" },
      h("summary", {}, "Formulaire papier rendu", h("span", { class: "sr-only" }, ` : ${child.display_name}`)),
      h("ul", { class: "paper-guardians" }, open.map((g) => h("li", { dataset: { userId: g.user_id } },
        h("p", {}, h("span", { class: "person" }, g.display_name), g.activated ? "" : " (pas encore de compte)"),
        h("div", { class: "actions" }, ...[true, false].map((granted) => {
          const button = h("button", { type: "button", class: "secondary", dataset: { granted: String(granted) } },
            granted ? "A accepté" : "A refusé", h("span", { class: "sr-only" }, ` : ${g.display_name}, pour ${child.first_name}`));
          button.addEventListener("click", () => recordPaper(child, g, granted, button));
          return button;
        }))))));
  }

  function draw(data) {
    const children = data.children || [];
    const without = children.filter((c) => !c.consented);
    const agreed = children.filter((c) => c.consented);
    const waiting = without.filter((c) => !c.refused?.length);
    fill(box,
      h("p", { class: `consent-summary ${without.length ? "missing" : "ok"}`, tabindex: "-1" }, without.length
        ? `${without.length} élève${without.length > 1 ? "s" : ""} sur ${children.length} sans l'accord de tous ses parents : `
          + "ne les montrez pas sur les photos du blog ni sur les pages de toute la classe."
        : "Tous les élèves ont l'accord de leurs parents pour les photos vues par la classe."),
      h("p", { class: "hint" }, "Le cahier de chaque élève n'est pas concerné : sa propre page peut toujours avoir sa photo."),
      waiting.length ? askBox(data, waiting) : null,
      without.length
        ? h("section", { class: "consent-list", "aria-labelledby": "without-title" },
          h("h2", { id: "without-title" }, `Sans accord (${without.length})`),
          h("ul", { class: "consent-children without" }, without.map((c) =>
            h("li", { class: "card", dataset: { childId: c.id } },
              h("p", { class: "name" }, c.display_name),
              h("p", { class: "missing-line" }, c.missing?.length
                ? `Il manque l'accord de : ${c.missing.join(", ")}`
                : "Aucun parent enregistré pour cet élève."),
              c.refused?.length ? h("p", { class: "refused-line" }, `A refusé : ${c.refused.join(", ")}`) : null,
              h("a", { class: "button secondary print-one", href: `${formsUrl}?child_id=${encodeURIComponent(c.id)}`, target: "_blank", rel: "noopener" },
                icon("print"), "Imprimer son formulaire", h("span", { class: "sr-only" }, ` : ${c.display_name} (nouvel onglet)`)),
              paperBox(c)))))
        : null,
      agreed.length
        ? h("section", { class: "consent-list", "aria-labelledby": "with-title" },
          h("h2", { id: "with-title" }, `Avec accord (${agreed.length})`),
          h("ul", { class: "consent-children with" }, agreed.map((c) =>
            h("li", { dataset: { childId: c.id } }, icon("check"), h("span", { class: "name" }, c.display_name)))))
        : null,
      children.length ? null : h("p", { class: "empty" }, "Aucun élève dans cette classe."));
  }
  await reload();
  add(main,
    className ? h("p", { class: "tagline" }, `Classe ${className}`) : null,
    classChips(app, classId, (id) => `#/consent/class/${id}`),
    h("div", { class: "actions page-links" },
      h("a", { class: "button secondary", href: `#/blog/${classId}` }, icon("blog"), "Blog de la classe"),
      h("a", { class: "button secondary", href: `#/cahier/class/${classId}` }, icon("cahier"), "Cahiers des élèves")),
    box);
  // A parent of the class decides: the list follows.
  let stopped = false;
  const stop = app.live.on(EVENT.CONSENT_UPDATED, async (view) => {
    if (!box.querySelector(`[data-child-id="${CSS.escape(view?.child?.id || "")}"]`)) return;
    try {
      const fresh = await api("GET", `/api/classes/${classId}/image-consents`);
      if (!stopped) draw(fresh);
    } catch { /* the list stays as it was */ }
  });
  rendered(main, "consent", `${title}${className ? ` – ${className}` : ""}`);
  return () => { stopped = true; stop(); };
}
