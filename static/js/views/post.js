// One article of the class blog: its photos, its text, "Écouter", the
// comments of the families and the staff (live). The teacher publishes a
// pupil's article or sends it back with a comment; the pupil corrects it.
import { api, newClientId } from "../api.js";
import { EVENT } from "../events.js";
import { h, fill, icon, when, field, errorBox, showError, rendered, toast } from "../dom.js";
import { listenButton } from "../speak.js";
import { gallery, byline, showConsentError } from "../photos.js";
import { STATUS, moderates, postOf } from "./blog.js";
import { de, join } from "../french.js";

export default async function postView(main, params, app) {
  main.classList.add("screen");
  let post = postOf(await api("GET", `/api/posts/${params.id}`));
  const comments = new Map((post.comments || []).map((c) => [c.id, c]));
  const role = app.me.user.role;
  const moderator = moderates(app, post.class_id);
  const isAuthor = () => post.author.id === app.me.user.id;
  // Families of the class, its teachers and the director talk under an article.
  const mayComment = () => post.status === "published"
    && (moderator || (role === "parent" && app.me.classes.some((c) => c.id === post.class_id)));

  const head = h("div", { class: "post-head" });
  const content = h("div", { class: "post-content" });
  const review = h("div", { class: "review-box" });
  const list = h("ul", { class: "comments", "aria-live": "polite", "aria-relevant": "additions" });
  const commentsTitle = h("h2", { id: "comments-title" });
  const noComment = h("p", { class: "empty" }, "Pas encore de commentaire.");
  const commentsBox = h("section", { class: "comments-box", "aria-labelledby": "comments-title" }, commentsTitle, list, noComment);
  const composer = commentForm();
  const tools = h("div", { class: "post-tools" });

  function drawHead() {
    const [statusLabel, statusClass] = STATUS[post.status] || [];
    fill(head,
      h("a", { href: `#/blog/${post.class_id}`, class: "back" }, "← Blog de la classe"),
      statusLabel ? h("p", { class: `tag status ${statusClass}` }, statusLabel) : null,
      h("h1", { tabindex: "-1" }, post.title),
      byline(post.author, app, post.published_at || post.created_at));
  }

  function drawContent() {
    fill(content,
      gallery(post.media, { title: post.title }),
      post.body ? h("p", { class: "body" }, post.body) : null,
      post.status === "rejected" && post.review_comment
        ? h("p", { class: "review" }, h("strong", {}, "Commentaire de l'enseignant : "), post.review_comment)
        : null);
    tools.replaceChildren();
    const listen = listenButton(`${post.title}. ${post.body || ""}`);
    if (listen) tools.append(listen);
    if (isAuthor() || moderator) {
      tools.append(h("button", { type: "button", class: "secondary delete-post", onclick: removePost }, "Supprimer l'article"));
    }
  }

  function drawComments() {
    const shown = [...comments.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
    list.replaceChildren(...shown.map(commentItem));
    commentsTitle.textContent = shown.length ? `Commentaires (${shown.length})` : "Commentaires";
    noComment.hidden = shown.length > 0;
    commentsBox.hidden = post.status !== "published";
    composer.hidden = !mayComment();
  }

  function commentItem(comment) {
    const own = comment.author.id === app.me.user.id;
    const item = h("li", { class: `comment${own ? " own" : ""}`, dataset: { commentId: comment.id } },
      h("p", { class: "author" }, own ? "Vous" : comment.author.display_name, " · ",
        h("time", { datetime: comment.created_at }, when(comment.created_at))),
      h("p", { class: "body" }, comment.body));
    if (own || moderator) {
      item.append(h("button", {
        type: "button", class: "secondary remove-comment",
        onclick: async (event) => {
          if (!confirm("Retirer ce commentaire pour tout le monde ?")) return;
          event.currentTarget.disabled = true;
          try {
            await api("DELETE", `/api/posts/${post.id}/comments/${comment.id}`);
            comments.delete(comment.id);
            drawComments();
            toast("Commentaire retiré.");
            composer.querySelector("textarea")?.focus();
          } catch (failure) {
            toast(failure.message);
            drawComments();
          }
        },
      }, "Retirer", h("span", { class: "sr-only" }, ` le commentaire ${de(comment.author.display_name)}`)));
    }
    return item;
  }

  function commentForm() {
    const text = h("textarea", { name: "body", rows: "3", maxlength: "5000", required: true });
    const error = errorBox();
    const form = h("form", { class: "comment-form card", novalidate: true },
      field("Votre commentaire", text, "Lu par les familles et l'équipe de la classe."),
      h("button", { type: "submit" }, icon("send"), "Envoyer"), error);
    let clientId = newClientId();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const body = text.value.trim();
      if (!body) { showError(error, { message: "Écrivez d'abord votre commentaire.", fields: { body: "Obligatoire." } }, form); text.focus(); return; }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const made = await api("POST", `/api/posts/${post.id}/comments`, { body, client_id: clientId });
        clientId = newClientId();
        comments.set(made.id, made);
        text.value = "";
        showError(error, { message: "", fields: {} }, form);
        drawComments();
      } catch (failure) {
        showError(error, failure, form);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  // The teacher (or the director) on an article a pupil sent.
  function drawReview() {
    review.replaceChildren();
    if (post.status === "published") return;
    if (moderator) {
      const error = errorBox();
      const publish = h("button", { type: "button", class: "publish" }, icon("check"), "Publier");
      publish.addEventListener("click", async () => {
        error.replaceChildren();
        publish.disabled = true;
        try {
          post = postOf(await api("POST", `/api/posts/${post.id}/publish`));
          toast("Article publié.");
          draw();
          main.querySelector("h1")?.focus();
        } catch (failure) {
          publish.disabled = false;
          if (failure.code === "consent_missing") showConsentError(error, failure, app, post.class_id);
          else showError(error, failure);
        }
      });
      const comment = h("textarea", { name: "comment", rows: "3", maxlength: "2000" });
      const rejectError = errorBox();
      const rejectForm = h("form", { class: "reject-form", novalidate: true },
        field("Commentaire pour l'élève", comment, "Dites ce qu'il faut corriger."),
        h("button", { type: "submit", class: "secondary" }, "Renvoyer à l'élève"), rejectError);
      rejectForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        rejectError.textContent = "";
        if (!comment.value.trim()) {
          showError(rejectError, { message: "Écrivez un commentaire pour l'élève.", fields: { comment: "Obligatoire." } }, rejectForm);
          comment.focus();
          return;
        }
        try {
          post = postOf(await api("POST", `/api/posts/${post.id}/reject`, { comment: comment.value.trim() }));
          toast("Article renvoyé à l'élève.");
          draw();
          main.querySelector("h1")?.focus();
        } catch (failure) {
          showError(rejectError, failure, rejectForm);
        }
      });
      review.append(h("section", { class: "card review-tools", "aria-labelledby": "review-title" },
        h("h2", { id: "review-title" }, post.status === "submitted" ? "Article envoyé par un élève" : "Article renvoyé à l'élève"),
        h("p", {}, post.status === "submitted"
          ? "Relisez-le : publié, il sera vu par les familles de la classe."
          : "L'élève peut le corriger et vous le renvoyer. Vous pouvez aussi le publier tel quel."),
        consentNote, h("div", { class: "actions" }, publish), error,
        h("details", { class: "reject", open: false },
          h("summary", {}, "Renvoyer avec un commentaire"), rejectForm)));
      return;
    }
    if (isAuthor()) review.append(correctForm());
  }

  // Before "Publier": the children on its photos whose parents have not all agreed
  // (the staff's view of each photo says so), not only once the server refuses.
  function lackingConsent() {
    const found = new Map();
    for (const photo of post.media || []) {
      for (const child of photo.children || []) if (child.consented === false) found.set(child.id, child);
    }
    return [...found.values()];
  }

  const consentNote = h("div", { class: "consent-warning", "aria-live": "polite" });
  function drawConsent() {
    const missing = lackingConsent();
    consentNote.replaceChildren();
    if (!missing.length) return;
    const who = missing.map((c) => c.display_name);
    consentNote.append(h("p", { class: "consent-warning-text" }, icon("consent"),
      h("span", {}, h("strong", {}, `Sans l'accord de tous ${missing.length > 1 ? "leurs" : "ses"} parents : ${join(who)}. La publication sera refusée.`),
      " Attendez la réponse des familles (",
      h("a", { href: `#/consent/class/${post.class_id}` }, "voir le droit à l'image"), ").")));
  }

  // The pupil corrects their article and sends it again.
  function correctForm() {
    const titleInput = h("input", { name: "title", maxlength: "200", required: true, value: post.title });
    const text = h("textarea", { name: "body", rows: "5", maxlength: "20000" });
    text.value = post.body || "";
    const error = errorBox();
    const form = h("form", { class: "correct-form", novalidate: true },
      field("Titre", titleInput), field("Texte", text),
      h("button", { type: "submit" }, icon("send"), "Renvoyer à l'enseignant"), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        post = postOf(await api("PATCH", `/api/posts/${post.id}`, { title: titleInput.value.trim(), body: text.value.trim() }));
        toast("Ton article a été renvoyé à l'enseignant.");
        draw();
      } catch (failure) {
        showError(error, failure, form);
      }
    });
    return h("details", { class: "card correct", open: post.status === "rejected" },
      h("summary", {}, "Corriger mon article"), form);
  }

  async function removePost() {
    if (!confirm("Supprimer cet article pour tout le monde ?")) return;
    try {
      await api("DELETE", `/api/posts/${post.id}`);
      toast("Article supprimé.");
      location.hash = `#/blog/${post.class_id}`;
    } catch (failure) {
      toast(failure.message);
    }
  }

  function draw() {
    drawHead();
    drawContent();
    drawConsent();
    drawReview();
    drawComments();
  }

  main.append(head, content, tools, review, commentsBox, composer);
  draw();

  const stops = [
    app.live.on(EVENT.COMMENT_CREATED, (comment) => {
      if (comment?.post_id !== post.id || comments.has(comment.id)) return;
      comments.set(comment.id, comment);
      drawComments();
    }),
    app.live.on(EVENT.COMMENT_REMOVED, (removed) => {
      if (removed?.post_id === post.id && comments.delete(removed.id)) drawComments();
    }),
    // Published, sent back, corrected: the article as it is now (its comments stay).
    ...[EVENT.POST_PUBLISHED, EVENT.POST_REJECTED, EVENT.POST_UPDATED, EVENT.POST_SUBMITTED].map((type) => app.live.on(type, (data) => {
      const fresh = postOf(data);
      if (fresh?.id !== post.id) return;
      const shown = (p) => JSON.stringify([p.status, p.title, p.body, p.review_comment, p.media]);
      const before = shown(post);
      post = { ...post, ...fresh };
      if (shown(post) !== before) draw();
    })),
    // A parent of a child on its photos decides: the photos as they now stand (staff only).
    app.live.on(EVENT.CONSENT_UPDATED, async (view) => {
      const tagged = (post.media || []).some((m) => (m.children || []).some((c) => c.id === view?.child?.id));
      if (!moderator || !tagged) return;
      try {
        post = { ...post, media: postOf(await api("GET", `/api/posts/${post.id}`)).media };
        drawContent();
        drawConsent();
      } catch { /* shown as it was */ }
    }),
    app.live.on(EVENT.POST_DELETED, ({ id } = {}) => {
      if (id !== post.id) return;
      toast("Cet article a été supprimé.");
      location.hash = `#/blog/${post.class_id}`;
    }),
  ];
  rendered(main, "post", post.title);
  return () => stops.forEach((stop) => stop());
}
