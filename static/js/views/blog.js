// The class blog: the published articles, newest first, live; the teacher
// writes (published at once) and sees what the pupils sent ("À valider");
// a pupil writes too, and the teacher reads it before it is published.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, add, icon, rendered, toast } from "../dom.js";
import { listenButton } from "../speak.js";
import { gallery, storyForm, byline } from "../photos.js";
import { de } from "../french.js";
import { chipText } from "./inbox.js";

export const STATUS = {
  submitted: ["À valider", "submitted"],
  rejected: ["Renvoyé à l'élève", "rejected"],
};

// The class's teacher or the director: publishes, refuses, removes comments.
export function moderates(app, classId) {
  const role = app.me.user.role;
  return role === "director" || (role === "teacher" && app.me.classes.some((c) => c.id === classId));
}

// Several classes (a director, a family with children in two classes): one chip each.
// In several schools, each chip names its school: a family's, by its children
// ("Léa — École maternelle Jules-Ferry"); a shared teacher's, "CP — École Jules-Ferry".
export function classChips(app, current, href, label = "Choisir la classe") {
  const classes = app.me.classes || [];
  if (classes.length < 2) return null;
  return h("nav", { class: "chips class-chips", "aria-label": label },
    classes.map((c) => h("a", { class: "chip", href: href(c.id), "aria-current": c.id === current ? "page" : null }, chipText(chipLabel(app, c)))));
}

function chipLabel(app, klass) {
  if (!app.severalSchools()) return klass.name;
  const children = app.isFamily() ? app.me.children.filter((k) => k.class_id === klass.id).map((k) => k.first_name) : [];
  const school = app.schoolName(klass.school_id);
  if (children.length && school) return `${children.join(" et ")} — ${school}`;
  return app.classLabel(klass.id) || klass.name;
}

export function postOf(data) {
  return data?.post || data;
}

function newestFirst(a, b) {
  return (b.published_at || b.created_at).localeCompare(a.published_at || a.created_at);
}

export default async function blog(main, params, app) {
  main.classList.add("screen");
  const role = app.me.user.role;
  const classId = params.classId || app.me.classes[0]?.id;
  if (!classId) {
    main.append(h("h1", { tabindex: "-1" }, "Blog de la classe"), h("p", { class: "empty" }, "Aucune classe pour l'instant."));
    rendered(main, "blog", "Blog de la classe");
    return undefined;
  }
  const className = app.className(classId);
  const title = className ? `Blog de la classe ${className}` : "Blog de la classe";
  const moderator = moderates(app, classId);
  const pupil = role === "student";
  const posts = new Map();
  let next = null;

  async function load(cursor) {
    const page = await api("GET", `/api/classes/${classId}/posts?limit=20${cursor ? `&next=${encodeURIComponent(cursor)}` : ""}`);
    for (const post of page.posts || []) posts.set(post.id, post);
    next = page.next || null;
  }
  await load(null);

  const published = h("ul", { class: "posts", id: "published-posts" });
  const waiting = h("ul", { class: "posts" });
  const sentBack = h("ul", { class: "posts" });
  const waitingBox = h("section", { class: "waiting", "aria-labelledby": "waiting-title" },
    h("h2", { id: "waiting-title" }, pupil ? "Mes articles envoyés" : "À valider"), waiting);
  const sentBackBox = h("section", { class: "sent-back", "aria-labelledby": "sent-back-title" },
    h("h2", { id: "sent-back-title" }, pupil ? "Mes articles à corriger" : "Renvoyés aux élèves"), sentBack);
  const empty = h("p", { class: "empty" }, "Aucun article pour l'instant.");
  const more = h("button", { type: "button", class: "secondary" }, "Articles plus anciens");
  const spoken = h("p", { class: "sr-only", role: "status" });

  function draw() {
    const all = [...posts.values()].sort(newestFirst);
    const shown = all.filter((p) => p.status === "published");
    published.replaceChildren(...shown.map((p) => postCard(p, app)));
    waiting.replaceChildren(...all.filter((p) => p.status === "submitted").map((p) => postCard(p, app)));
    sentBack.replaceChildren(...all.filter((p) => p.status === "rejected").map((p) => postCard(p, app)));
    waitingBox.hidden = !waiting.childElementCount;
    sentBackBox.hidden = !sentBack.childElementCount;
    empty.hidden = shown.length > 0;
    more.hidden = !next;
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try { await load(next); draw(); } catch (failure) { toast(failure.message); } finally { more.disabled = false; }
  });

  const school = app.severalSchools() && app.schoolName(app.me.classes.find((c) => c.id === classId)?.school_id);
  add(main,
    h("h1", { tabindex: "-1" }, title),
    school ? h("p", { class: "tagline school-of-class" }, school) : null,
    classChips(app, classId, (id) => `#/blog/${id}`),
    links(app, classId, moderator));

  if (moderator || pupil) {
    const write = h("details", { class: "write-box card" }, h("summary", {}, icon("write"), "Nouvel article"));
    const done = h("div", { class: "write-done", role: "status" });
    const { form, title: titleInput } = storyForm(app, {
      classId: moderator ? classId : null,
      submitLabel: moderator ? "Publier" : "Envoyer à l'enseignant",
      textRequired: true,
      hint: moderator
        ? "L'article est publié tout de suite et vu par les familles de la classe."
        : "Ton article sera lu par l'enseignant avant d'être publié pour les familles.",
      send: (body) => api("POST", `/api/classes/${classId}/posts`, body),
      sent: (made) => {
        const post = postOf(made);
        posts.set(post.id, post);
        draw();
        if (post.status === "published") {
          toast("Article publié.");
          write.open = false;
          main.querySelector(`[data-post-id="${CSS.escape(post.id)}"] h3 a`)?.focus();
        } else {
          done.replaceChildren(h("p", { class: "success" }, icon("check"),
            "Ton article a été envoyé à l'enseignant. Il le lira avant de le publier."));
        }
      },
    });
    titleInput.addEventListener("input", () => done.replaceChildren());
    write.append(form, done);
    main.append(write);
  }

  main.append(spoken, waitingBox, sentBackBox,
    h("section", { class: "published", "aria-labelledby": "published-title" },
      h("h2", { id: "published-title" }, "Les articles"), published, empty, more));
  draw();

  const mine = (post) => post && post.class_id === classId;
  const stops = [
    app.live.on(EVENT.POST_PUBLISHED, (data) => {
      const post = postOf(data);
      if (!mine(post)) return;
      const isNew = !posts.has(post.id) || posts.get(post.id).status !== "published";
      posts.set(post.id, { ...posts.get(post.id), ...post });
      draw();
      if (isNew && post.author?.id !== app.me.user.id) spoken.textContent = `Nouvel article : ${post.title}`;
    }),
    app.live.on(EVENT.POST_SUBMITTED, (data) => {
      const post = postOf(data);
      if (!mine(post)) return;
      posts.set(post.id, { ...posts.get(post.id), ...post });
      draw();
      if (moderator) spoken.textContent = `Article à valider : ${post.title}`;
    }),
    // A pupil's article sent back, corrected, or changed by the teacher.
    ...[EVENT.POST_REJECTED, EVENT.POST_UPDATED].map((type) => app.live.on(type, (data) => {
      const post = postOf(data);
      if (!mine(post)) return;
      posts.set(post.id, { ...posts.get(post.id), ...post });
      draw();
    })),
    app.live.on(EVENT.POST_DELETED, ({ id } = {}) => { if (posts.delete(id)) draw(); }),
    app.live.on(EVENT.COMMENT_CREATED, (comment) => {
      const post = posts.get(comment?.post_id);
      if (!post) return;
      post.comment_count = (post.comment_count || 0) + 1;
      draw();
    }),
    app.live.on(EVENT.COMMENT_REMOVED, (removed) => {
      const post = posts.get(removed?.post_id);
      if (!post) return;
      post.comment_count = Math.max((post.comment_count || 1) - 1, 0);
      draw();
    }),
  ];
  rendered(main, "blog", title);
  return () => stops.forEach((stop) => stop());
}

function links(app, classId, moderator) {
  const role = app.me.user.role;
  const items = [];
  if (moderator) {
    items.push(h("a", { class: "button secondary", href: `#/cahier/class/${classId}` }, icon("cahier"), "Cahiers des élèves"));
    items.push(h("a", { class: "button secondary", href: `#/consent/class/${classId}` }, icon("consent"), "Droit à l'image"));
  } else if (role === "parent") {
    const child = app.me.children.find((c) => c.class_id === classId) || app.me.children[0];
    if (child) {
      items.push(h("a", { class: "button secondary", href: `#/cahier/${child.id}` }, icon("cahier"),
        `Cahier ${de(child.first_name)}`));
    }
  } else if (role === "student") {
    items.push(h("a", { class: "button secondary", href: "#/cahier" }, icon("cahier"), "Mon cahier"));
  }
  return items.length ? h("div", { class: "actions page-links" }, items) : null;
}

// One article in a list: its title opens it, with the photos, the text,
// "Écouter" and the comments.
export function postCard(post, app) {
  const [statusLabel, statusClass] = STATUS[post.status] || [];
  const count = post.comment_count || 0;
  const listen = listenButton(`${post.title}. ${post.body || ""}`);
  const open = post.status === "published"
    ? h("a", { class: "button secondary comments-link", href: `#/posts/${post.id}` }, icon("message"),
      count ? `${count} commentaire${count > 1 ? "s" : ""}` : "Commenter", h("span", { class: "sr-only" }, ` : ${post.title}`))
    : h("a", { class: "button secondary", href: `#/posts/${post.id}` },
      moderates(app, post.class_id) && post.status === "submitted" ? "Relire et publier" : "Ouvrir",
      h("span", { class: "sr-only" }, ` : ${post.title}`));
  return h("li", { class: "post", dataset: { postId: post.id, status: post.status } },
    h("article", { class: "card post-card" },
      statusLabel ? h("p", { class: `tag status ${statusClass}` }, statusLabel) : null,
      h("h3", {}, h("a", { href: `#/posts/${post.id}` }, post.title)),
      byline(post.author, app, post.published_at || post.created_at),
      gallery(post.media, { title: post.title }),
      post.body ? h("p", { class: "body" }, post.body) : null,
      post.status === "rejected" && post.review_comment
        ? h("p", { class: "review" }, h("strong", {}, "Commentaire de l'enseignant : "), post.review_comment)
        : null,
      h("div", { class: "post-tools" }, listen, open)));
}
