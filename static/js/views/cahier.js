// The cahier de réalisations of a child: what the child did in class (the
// teacher's pages and the child's own), the pages for the whole class, and
// the family's pages, newest first, photos large. Families choose the child;
// "Imprimer le cahier (PDF)" opens the printable year.
// `#/cahier/class/<id>` (staff): the class's pupils, and a page for them all.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, add, icon, rendered, toast } from "../dom.js";
import { listenButton } from "../speak.js";
import { gallery, storyForm, byline } from "../photos.js";
import { classChips, moderates } from "./blog.js";
import { chipText } from "./inbox.js";
import { de } from "../french.js";

const CHOSEN = "liaison.cahier-child";

const KIND = {
  class: ["Pour toute la classe", "class"],
  family: ["Page de la famille", "family"],
};

export default async function cahier(main, params, app) {
  main.classList.add("screen");
  const role = app.me.user.role;
  if (params.classId) return classCahiers(main, params.classId, app);
  let childId = params.childId;
  if (!childId) {
    if (app.isStaff()) {
      if (app.me.classes[0]) return classCahiers(main, app.me.classes[0].id, app);
    } else if (role === "parent") {
      const remembered = sessionStorage.getItem(CHOSEN);
      childId = (app.me.children.find((c) => c.id === remembered) || app.me.children[0])?.id;
    } else if (role === "student") {
      childId = app.me.child?.id || app.me.children?.[0]?.id;
    }
  }
  if (!childId) {
    main.append(h("h1", { tabindex: "-1" }, "Cahier de réalisations"),
      h("p", { class: "empty" }, "Aucun cahier à afficher pour ce compte."));
    rendered(main, "cahier", "Cahier de réalisations");
    return undefined;
  }
  if (role === "parent") sessionStorage.setItem(CHOSEN, childId);

  const first = await api("GET", `/api/children/${childId}/realisations?limit=20`);
  const child = await findChild(app, childId, params.class, first);
  const pages = new Map();
  let next = null;
  const take = (page) => {
    for (const p of page.pages || []) pages.set(p.id, p);
    next = page.next || null;
  };
  take(first);

  const firstName = child?.first_name || child?.display_name?.split(" ")[0];
  const title = role === "student" ? "Mon cahier"
    : firstName ? `Cahier ${de(app.isStaff() ? child.display_name : firstName)}` : "Cahier de réalisations";
  const classId = child?.class_id || params.class || pagesClass(pages);
  const moderator = classId && moderates(app, classId);

  const list = h("ul", { class: "pages" });
  const empty = h("p", { class: "empty" }, role === "parent"
    ? "Pas encore de page. Les réalisations de la classe apparaîtront ici."
    : "Pas encore de page.");
  const more = h("button", { type: "button", class: "secondary" }, "Pages plus anciennes");
  const spoken = h("p", { class: "sr-only", role: "status" });

  function draw() {
    const shown = [...pages.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
    list.replaceChildren(...shown.map((p) => pageCard(p, app, moderator, removePage)));
    empty.hidden = shown.length > 0;
    more.hidden = !next;
  }

  async function removePage(page) {
    if (!confirm("Supprimer cette page du cahier ?")) return;
    try {
      await api("DELETE", `/api/realisations/${page.id}`);
      pages.delete(page.id);
      draw();
      toast("Page supprimée.");
      main.querySelector("h1")?.focus();
    } catch (failure) {
      toast(failure.message);
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      take(await api("GET", `/api/children/${childId}/realisations?limit=20&next=${encodeURIComponent(next)}`));
      draw();
    } catch (failure) { toast(failure.message); } finally { more.disabled = false; }
  });

  // Families with several children: one chip each.
  if (role === "parent" && app.me.children.length > 1) {
    main.append(h("nav", { class: "chips child-chips", "aria-label": "Choisir l'enfant" },
      app.me.children.map((c) => h("a", { class: "chip", href: `#/cahier/${c.id}`, "aria-current": c.id === childId ? "page" : null }, chipText(app.childLabel(c))))));
  }
  if (app.isStaff() && classId) {
    main.append(h("a", { href: `#/cahier/class/${classId}`, class: "back" }, "← Cahiers de la classe"));
  }
  main.append(h("h1", { tabindex: "-1" }, title));
  const klass = classId && app.className(classId);
  // In several schools, the cahier says which school it is of.
  const school = app.severalSchools() && app.schoolName(child && role === "parent" ? app.childSchoolId(child)
    : app.me.classes.find((c) => c.id === classId)?.school_id);
  if (klass || child) {
    main.append(h("p", { class: "tagline" }, klass ? `Classe ${klass}${school ? `, ${school}` : ""} · ` : school ? `${school} · ` : "",
      role === "student" ? "tes réalisations de l'année" : "les réalisations de l'année"));
  }
  main.append(h("div", { class: "actions page-links" },
    h("a", {
      class: "button secondary export", href: `/api/children/${childId}/realisations/export`, target: "_blank", rel: "noopener",
    }, icon("print"), "Imprimer le cahier (PDF)", h("span", { class: "sr-only" }, " (nouvel onglet)")),
    classId ? h("a", { class: "button secondary", href: `#/blog/${classId}` }, icon("blog"), "Blog de la classe") : null));

  // Who writes what: a guardian a family page, the teacher or the pupil a page of the child.
  const writer = role === "parent" || role === "student" || moderator;
  if (writer) {
    const hint = role === "parent"
      ? `Une page de la famille : une sortie, un dessin fait à la maison… Elle est vue par l'école et par ${firstName || "votre enfant"}.`
      : role === "student"
        ? "Ta page est vue par ta famille et par ton enseignant."
        : `Une page du cahier ${firstName ? de(firstName) : "de l'élève"}, vue par sa famille.`;
    const addBox = h("details", { class: "write-box card" }, h("summary", {}, icon("write"), "Ajouter une page"));
    const { form } = storyForm(app, {
      classId: moderator ? classId : null,
      ownChildId: childId, // a page of the child's own cahier may always show the child
      submitLabel: "Ajouter la page",
      textLabel: "Quelques mots",
      hint,
      send: (body) => api("POST", `/api/children/${childId}/realisations`, body),
      sent: (made) => {
        const page = made.page || made;
        pages.set(page.id, page);
        draw();
        addBox.open = false;
        toast("Page ajoutée au cahier.");
        main.querySelector(`[data-page-id="${CSS.escape(page.id)}"] h2`)?.focus();
      },
    });
    addBox.append(form);
    main.append(addBox);
  }
  main.append(spoken, list, empty, more);
  draw();

  let stopped = false;
  const stops = [
    app.live.on(EVENT.REALISATION_CREATED, async (data) => {
      const event = data?.page || data;
      if (!event?.id || pages.has(event.id)) return;
      const ours = event.child_id ? event.child_id === childId : event.kind === "class" && event.class_id === classId;
      if (!ours) return;
      // The event has no photos (who sees which depends on the reader): the page as this reader sees it.
      let page = event;
      try { page = await api("GET", `/api/realisations/${event.id}`); } catch { /* shown without its photos */ }
      if (stopped || pages.has(page.id)) return;
      pages.set(page.id, { media: [], ...page });
      draw();
      if (page.author?.id !== app.me.user.id) spoken.textContent = `Nouvelle page : ${page.title}`;
    }),
    app.live.on(EVENT.REALISATION_DELETED, (data) => {
      const id = data?.id || data?.page?.id;
      if (pages.delete(id)) draw();
    }),
  ];
  rendered(main, "cahier", title);
  return () => { stopped = true; stops.forEach((stop) => stop()); };
}

function pagesClass(pages) {
  return [...pages.values()].find((p) => p.class_id)?.class_id || null;
}

// The child's name and class: the family's own, or the class lists of the staff.
async function findChild(app, childId, classHint, answer) {
  const own = app.me.children?.find((c) => c.id === childId) || (app.me.child?.id === childId ? app.me.child : null);
  if (own) return own;
  if (answer?.child) return answer.child;
  if (!app.isStaff()) return null;
  const classes = [classHint, ...app.me.classes.map((c) => c.id)].filter(Boolean);
  for (const classId of [...new Set(classes)]) {
    try {
      const members = await api("GET", `/api/classes/${classId}/members`);
      const found = members.children?.find((c) => c.id === childId);
      if (found) return found;
    } catch { /* not a class of ours: the next one */ }
  }
  return null;
}

// One page of the cahier: what kind, the photos large, the text.
function pageCard(page, app, moderator, remove) {
  const [kindLabel, kindClass] = KIND[page.kind] || [];
  const tools = h("div", { class: "post-tools" });
  const listen = listenButton(`${page.title}. ${page.body || ""}`);
  if (listen) tools.append(listen);
  if (page.author.id === app.me.user.id || moderator) {
    tools.append(h("button", { type: "button", class: "secondary delete-page", onclick: () => remove(page) },
      "Supprimer", h("span", { class: "sr-only" }, ` la page ${page.title}`)));
  }
  return h("li", { class: `page kind-${page.kind}`, dataset: { pageId: page.id, kind: page.kind } },
    h("article", { class: "card page-card" },
      kindLabel ? h("p", { class: `tag kind ${kindClass}` }, kindLabel) : null,
      h("h2", { tabindex: "-1" }, page.title),
      byline(page.author, app, page.created_at),
      gallery(page.media, { title: page.title, large: true }),
      page.body ? h("p", { class: "body" }, page.body) : null,
      tools));
}

// The staff's entry: the class's pupils, each a link to their cahier, and a
// page for the whole class (shown in every pupil's cahier).
async function classCahiers(main, classId, app) {
  const members = await api("GET", `/api/classes/${classId}/members`);
  const className = members.class?.name || app.className(classId) || "";
  const title = className ? `Cahiers de la classe ${className}` : "Cahiers de la classe";
  const moderator = moderates(app, classId);
  add(main,
    h("h1", { tabindex: "-1" }, title),
    classChips(app, classId, (id) => `#/cahier/class/${id}`),
    h("div", { class: "actions page-links" },
      h("a", { class: "button secondary", href: `#/blog/${classId}` }, icon("blog"), "Blog de la classe"),
      h("a", { class: "button secondary", href: `#/consent/class/${classId}` }, icon("consent"), "Droit à l'image")));

  if (moderator) {
    const addBox = h("details", { class: "write-box card" }, h("summary", {}, icon("write"), "Nouvelle page pour toute la classe"));
    const done = h("div", { role: "status" });
    const { form } = storyForm(app, {
      classId,
      submitLabel: "Ajouter à tous les cahiers",
      textLabel: "Quelques mots",
      hint: "La page apparaît dans le cahier de chaque élève de la classe et est vue par toutes les familles de la classe. Un enfant reconnaissable doit avoir l'accord de ses parents.",
      send: (body) => api("POST", `/api/classes/${classId}/realisations`, body),
      sent: (made) => {
        const page = made.page || made;
        done.replaceChildren(h("p", { class: "success" }, icon("check"), `« ${page.title} » est dans le cahier de chaque élève.`));
        toast("Page ajoutée à tous les cahiers.");
      },
    });
    addBox.append(form, done);
    main.append(addBox);
  }

  const children = members.children || [];
  main.append(h("section", { "aria-labelledby": "pupils-title" },
    h("h2", { id: "pupils-title" }, "Le cahier de chaque élève"),
    children.length
      ? h("ul", { class: "pupil-links" }, children.map((c) =>
        h("li", { dataset: { childId: c.id } },
          h("a", { href: `#/cahier/${c.id}?class=${classId}` }, icon("cahier"), c.display_name))))
      : h("p", { class: "empty" }, "Aucun élève dans cette classe.")));
  rendered(main, "cahier", title);
  return undefined;
}
