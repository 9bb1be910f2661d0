// "Droit à l'image". A parent says yes or no for each child, and sees what
// the child's other parents decided. The staff see, class by class, which
// children must not appear on the photos shown to the families.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, add, fill, icon, longDay, errorBox, showError, rendered, toast } from "../dom.js";
import { classChips } from "./blog.js";

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
        `Accord complet : la photo de ${child.first_name} peut être montrée aux familles de la classe.`)
      : h("p", { class: "consent-state missing" }, refused
        ? `Un parent a refusé : la photo de ${child.first_name} n'est pas montrée aux autres familles.`
        : `Pas encore l'accord de tous ses parents : la photo de ${child.first_name} n'est pas montrée aux autres familles.`);
    const choose = (granted) => h("button", {
      type: "button",
      class: `${granted ? "" : "secondary "}choose`,
      "aria-pressed": String(mine?.granted === granted),
      dataset: { granted: String(granted) },
      onclick: (event) => decide(granted, event.currentTarget),
    }, granted ? [icon("check"), "J'accepte"] : "Je refuse", h("span", { class: "sr-only" }, ` pour ${child.first_name}`));
    const [myText] = mine ? decision(mine) : [];
    fill(section,
      h("h2", { id: titleId }, child.display_name || child.first_name),
      state,
      others.length
        ? [h("h3", {}, "Ses autres parents"),
          h("ul", { class: "guardians" }, others.map((g) => {
            const [text, kind, at] = decision(g);
            return h("li", { class: `decision ${kind}`, dataset: { userId: g.user_id } },
              h("span", { class: "person" }, g.display_name), ` ${text}`, at ? ` le ${longDay(at)}` : "", ".");
          }))]
        : null,
      h("h3", {}, "Votre choix"),
      h("p", { class: "my-choice" }, mine && mine.granted !== null && mine.granted !== undefined
        ? `Vous ${myText.replace(/^a /, "avez ")}${mine.decided_at ? ` le ${longDay(mine.decided_at)}` : ""}.`
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
  function draw(data) {
    const children = data.children || [];
    const without = children.filter((c) => !c.consented);
    const agreed = children.filter((c) => c.consented);
    fill(box,
      h("p", { class: `consent-summary ${without.length ? "missing" : "ok"}` }, without.length
        ? `${without.length} élève${without.length > 1 ? "s" : ""} sur ${children.length} sans l'accord de tous ses parents : `
          + "ne les montrez pas sur les photos du blog ni sur les pages de toute la classe."
        : "Tous les élèves ont l'accord de leurs parents pour les photos vues par la classe."),
      h("p", { class: "hint" }, "Le cahier de chaque élève n'est pas concerné : sa propre page peut toujours avoir sa photo."),
      without.length
        ? h("section", { class: "consent-list", "aria-labelledby": "without-title" },
          h("h2", { id: "without-title" }, `Sans accord (${without.length})`),
          h("ul", { class: "consent-children without" }, without.map((c) =>
            h("li", { class: "card", dataset: { childId: c.id } },
              h("p", { class: "name" }, c.display_name),
              h("p", { class: "missing-line" }, c.missing?.length
                ? `Il manque l'accord de : ${c.missing.join(", ")}`
                : "Aucun parent enregistré pour cet élève."),
              c.refused?.length ? h("p", { class: "refused-line" }, `A refusé : ${c.refused.join(", ")}`) : null))))
        : null,
      agreed.length
        ? h("section", { class: "consent-list", "aria-labelledby": "with-title" },
          h("h2", { id: "with-title" }, `Avec accord (${agreed.length})`),
          h("ul", { class: "consent-children with" }, agreed.map((c) =>
            h("li", { dataset: { childId: c.id } }, icon("check"), h("span", { class: "name" }, c.display_name)))))
        : null,
      children.length ? null : h("p", { class: "empty" }, "Aucun élève dans cette classe."));
  }
  draw(await api("GET", `/api/classes/${classId}/image-consents`));
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
