// Photos of the class blog and of the cahier de réalisations: the picker
// (each photo sent at once, with its progress, a preview and "Retirer"; for
// the staff, "Qui est sur la photo ?"), the galleries that show them, the
// viewer that opens one large, and the form shared by articles and pages.
// The server re-encodes every photo without its metadata (no GPS position).
import { ApiError, api, csrf, newClientId } from "./api.js";
import { h, fill, icon, uid, field, errorBox, showError, longDay } from "./dom.js";

export const PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/heic,image/heif";
const MAX_BYTES = 10 * 1024 * 1024;
const MAX_PHOTOS = 20;
const TOO_BIG = "Photo trop lourde (10 Mo au plus).";
const NOT_A_PHOTO = "Ce fichier n'est pas une photo.";

// POST /api/media as multipart, with the upload's progress (which fetch cannot
// report: on a phone's slow network a 5 MB photo takes a while).
export function uploadPhoto(file, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open("POST", "/api/media");
    xhr.withCredentials = true;
    const token = csrf();
    if (token) xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON: a proxy's page */ }
      if (xhr.status >= 200 && xhr.status < 300 && data) { resolve(data); return; }
      const error = data?.error || {};
      const message = xhr.status === 413 ? TOO_BIG
        : xhr.status === 415 ? NOT_A_PHOTO
          : error.message || "La photo n'a pas pu être envoyée.";
      reject(new ApiError(xhr.status, error.code || "http", message, error.fields, error));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network", "Pas de réseau : réessayez dans un instant.")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "Envoi annulé.")));
    const form = new FormData();
    form.append("file", file, file.name || "photo.jpg");
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

// The children of a class, for "Qui est sur la photo ?" (asked once per screen).
const membersCache = new Map();
function classChildren(classId) {
  if (!membersCache.has(classId)) {
    const request = api("GET", `/api/classes/${classId}/members`).then((data) => data.children || []);
    request.catch(() => membersCache.delete(classId));
    membersCache.set(classId, request);
  }
  return membersCache.get(classId);
}

function names(children) {
  return (children || []).map((c) => c.display_name).join(", ");
}

// The picker. `classId` (staff only) lists the children to tag.
export function photoPicker(app, { classId = null, label = "Ajouter des photos" } = {}) {
  const canTag = app.isStaff() && Boolean(classId);
  const items = [];
  const input = h("input", { type: "file", name: "media_ids", accept: PHOTO_TYPES, multiple: true, class: "photo-input" });
  input.id = uid("photos");
  const hintId = uid("hint");
  input.setAttribute("aria-describedby", hintId);
  const list = h("ul", { class: "photo-list" });
  const spoken = h("p", { class: "sr-only", role: "status" });
  const root = h("div", { class: "photo-picker" },
    h("div", { class: "photo-pick" },
      input,
      h("label", { for: input.id, class: "button secondary" }, icon("photo"), label)),
    h("p", { class: "hint", id: hintId },
      "Depuis la galerie ou l'appareil photo. 10 Mo au plus par photo.",
      canTag ? " Indiquez ensuite qui est sur chaque photo." : ""),
    list, spoken);

  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = ""; // the same photo may be chosen again after a removal
    for (const file of files) {
      if (items.length >= MAX_PHOTOS) { spoken.textContent = `${MAX_PHOTOS} photos au plus.`; break; }
      add(file);
    }
  });

  function add(file) {
    const item = { file, state: "uploading", progress: 0, media: null, children: [], error: null, upload: null };
    item.preview = /^image\/(jpeg|png|webp|gif)$/.test(file.type) ? URL.createObjectURL(file) : null;
    item.element = h("li", { class: "photo-item" });
    items.push(item);
    list.append(item.element);
    send(item);
  }

  function send(item) {
    const { file } = item;
    item.state = "uploading";
    item.error = null;
    item.progress = 0;
    if (file.size > MAX_BYTES) return failed(item, TOO_BIG);
    if (file.type && !PHOTO_TYPES.split(",").includes(file.type)) return failed(item, NOT_A_PHOTO);
    draw(item);
    item.upload = uploadPhoto(file, (share) => { item.progress = share; drawProgress(item); });
    item.upload.done.then((media) => {
      if (!items.includes(item)) return;
      item.state = "done";
      item.media = media;
      item.children = media.children || [];
      draw(item);
      spoken.textContent = `Photo ${file.name} envoyée.`;
    }, (error) => {
      if (error.code === "aborted" || !items.includes(item)) return;
      failed(item, error.message);
    });
    return undefined;
  }

  function failed(item, message) {
    item.state = "failed";
    item.error = message;
    draw(item);
    spoken.textContent = `${item.file.name} : ${message}`;
  }

  function remove(item) {
    item.upload?.abort();
    if (item.preview) URL.revokeObjectURL(item.preview);
    const at = items.indexOf(item);
    items.splice(at, 1);
    item.element.remove();
    spoken.textContent = `Photo ${item.file.name} retirée.`;
    // The keyboard stays in the list: on the next photo's first button, or the picker.
    const next = items[at] || items[at - 1];
    (next?.element.querySelector("button") || input).focus();
  }

  function drawProgress(item) {
    const bar = item.element.querySelector("progress");
    if (bar) bar.value = Math.round(item.progress * 100);
    const text = item.element.querySelector(".photo-state");
    if (text && item.state === "uploading") text.textContent = `Envoi… ${Math.round(item.progress * 100)} %`;
  }

  function draw(item) {
    const { file } = item;
    const src = item.media?.thumb_url || item.preview;
    const picture = src
      ? h("img", { src, alt: "", class: "photo-preview", width: "96", height: "96" })
      : h("span", { class: "photo-preview placeholder" }, icon("photo"));
    picture.addEventListener?.("error", () => picture.replaceWith(h("span", { class: "photo-preview placeholder" }, icon("photo"))));
    const state = item.state === "uploading"
      ? [h("progress", { max: "100", value: String(Math.round(item.progress * 100)), "aria-label": `Envoi de ${file.name}` }),
        h("span", { class: "photo-state" }, "Envoi…")]
      : item.state === "failed"
        ? h("span", { class: "photo-state field-error" }, item.error)
        : h("span", { class: "photo-state ok" }, icon("check"), "Envoyée");
    const tools = h("div", { class: "photo-tools" });
    if (item.state === "failed" && item.error !== TOO_BIG && item.error !== NOT_A_PHOTO) {
      tools.append(h("button", { type: "button", class: "secondary", onclick: () => send(item) },
        "Réessayer", h("span", { class: "sr-only" }, ` : ${file.name}`)));
    }
    if (canTag && item.state === "done") {
      tools.append(h("button", { type: "button", class: "secondary tag-children", onclick: (event) => tag(item, event.currentTarget) },
        "Qui est sur la photo ?", h("span", { class: "sr-only" }, ` (${file.name})`)));
    }
    tools.append(h("button", { type: "button", class: "secondary remove-photo", onclick: () => remove(item) },
      "Retirer", h("span", { class: "sr-only" }, ` la photo ${file.name}`)));
    item.element.dataset.state = item.state;
    if (item.media) item.element.dataset.mediaId = item.media.id;
    fill(item.element,
      picture,
      h("div", { class: "photo-about" },
        h("span", { class: "photo-name" }, file.name || "Photo"),
        h("span", { class: "photo-status" }, state),
        canTag && item.state === "done"
          ? h("span", { class: "photo-children" }, item.children.length ? `Sur la photo : ${names(item.children)}` : "Personne n'est indiqué sur la photo.")
          : null,
        tools));
  }

  async function tag(item, opener) {
    let children;
    try {
      children = await classChildren(classId);
    } catch (failure) {
      failed(item, failure.message);
      return;
    }
    const titleId = uid("dialog");
    const chosen = new Set(item.children.map((c) => c.id));
    const error = errorBox();
    const boxes = children.map((child) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "child_ids", value: child.id, checked: chosen.has(child.id) }), child.display_name));
    const save = h("button", { type: "submit" }, "Enregistrer");
    const form = h("form", { class: "tag-form" },
      h("h2", { id: titleId }, "Qui est sur la photo ?"),
      h("img", { src: item.media.thumb_url, alt: "", class: "tag-photo" }),
      h("p", { class: "hint" }, "Cochez les enfants que l'on reconnaît. Un enfant sans l'accord de ses parents ne peut pas être montré aux autres familles."),
      h("fieldset", { class: "tag-children-list" }, h("legend", {}, "Enfants de la classe"),
        boxes.length ? boxes : h("p", { class: "empty" }, "Aucun enfant dans cette classe.")),
      error,
      h("div", { class: "actions" }, save,
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Annuler")));
    const dialog = h("dialog", { class: "tag-dialog", "aria-labelledby": titleId }, form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ids = [...form.querySelectorAll("input[name=child_ids]:checked")].map((box) => box.value);
      save.disabled = true;
      try {
        const media = await api("PUT", `/api/media/${item.media.id}/children`, { child_ids: ids });
        item.children = media.children || children.filter((c) => ids.includes(c.id));
        draw(item);
        dialog.close();
        spoken.textContent = item.children.length ? `Sur la photo : ${names(item.children)}.` : "Personne n'est indiqué sur la photo.";
      } catch (failure) {
        save.disabled = false;
        showError(error, failure);
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      (item.element.isConnected ? item.element.querySelector(".tag-children") : opener)?.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  return {
    element: root,
    input,
    ids: () => items.filter((item) => item.state === "done").map((item) => item.media.id),
    busy: () => items.some((item) => item.state === "uploading"),
    failed: () => items.some((item) => item.state === "failed"),
    // The photos where a child without consent was tagged: marked, for the staff to see which.
    mark(childIds) {
      const wanted = new Set(childIds);
      for (const item of items) {
        item.element.classList.toggle("needs-consent", item.children.some((c) => wanted.has(c.id)));
      }
    },
    clear() {
      for (const item of items) { item.upload?.abort(); if (item.preview) URL.revokeObjectURL(item.preview); }
      items.length = 0;
      list.replaceChildren();
    },
  };
}

// Photos of a post or page. Thumbnails in a grid, or `large` (the cahier: the
// photos are what families come for); a tap opens the viewer.
export function gallery(media, { title = "", large = false } = {}) {
  if (!media?.length) return null;
  const count = media.length;
  return h("ul", { class: `gallery${large ? " large" : ""}${count === 1 ? " single" : ""}` },
    media.map((photo, index) => {
      const label = count > 1 ? `Photo ${index + 1} sur ${count}` : "Photo";
      const img = h("img", {
        src: large ? photo.url : photo.thumb_url,
        alt: title ? `${label} : ${title}` : label,
        loading: index > 2 ? "lazy" : "eager",
        decoding: "async",
      });
      if (photo.width && photo.height) { img.width = photo.width; img.height = photo.height; }
      // The staff see the photos hidden from the families (a child without consent on it).
      return h("li", { dataset: { mediaId: photo.id }, class: photo.withheld ? "withheld" : null },
        h("button", { type: "button", class: "photo-open", onclick: () => viewer(media, index, title) },
          img, h("span", { class: "sr-only" }, " (agrandir)")),
        photo.withheld ? h("span", { class: "withheld-note" }, "Cachée aux autres familles") : null);
    }));
}

// One photo, full screen, with the previous and next ones.
function viewer(media, start, title) {
  let index = start;
  const titleId = uid("viewer");
  const img = h("img", { class: "viewer-photo", alt: "" });
  const caption = h("p", { class: "viewer-caption", id: titleId });
  const tagged = h("p", { class: "viewer-children" });
  const previous = h("button", { type: "button", class: "secondary", onclick: () => show(index - 1) }, "‹ Précédente");
  const next = h("button", { type: "button", class: "secondary", onclick: () => show(index + 1) }, "Suivante ›");
  const close = h("button", { type: "button", class: "viewer-close", onclick: () => dialog.close() }, "Fermer");
  const download = h("a", { class: "button secondary", target: "_blank", rel: "noopener" }, "Ouvrir en grand", h("span", { class: "sr-only" }, " (nouvel onglet)"));
  const dialog = h("dialog", { class: "viewer", "aria-labelledby": titleId },
    h("div", { class: "viewer-bar" }, caption, close),
    h("figure", {}, img, tagged),
    h("div", { class: "viewer-tools" }, previous, next, download));

  function show(at) {
    index = (at + media.length) % media.length;
    const photo = media[index];
    img.src = photo.url;
    img.alt = title ? `${title}, photo ${index + 1}` : `Photo ${index + 1}`;
    if (photo.width && photo.height) { img.width = photo.width; img.height = photo.height; }
    caption.textContent = media.length > 1 ? `Photo ${index + 1} sur ${media.length}` : "Photo";
    tagged.textContent = [
      photo.children?.length ? `Sur la photo : ${photo.children.map((c) => (c.consented === false ? `${c.display_name} (sans accord)` : c.display_name)).join(", ")}.` : "",
      photo.withheld ? "Cette photo est cachée aux autres familles : il manque l'accord des parents d'un enfant." : "",
    ].filter(Boolean).join(" ");
    download.href = photo.url;
  }

  previous.hidden = next.hidden = media.length < 2;
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft" && media.length > 1) show(index - 1);
    if (event.key === "ArrowRight" && media.length > 1) show(index + 1);
  });
  const opener = document.activeElement;
  dialog.addEventListener("close", () => { dialog.remove(); opener?.focus?.(); });
  show(index);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

// A 409 consent_missing: the message, and the children named one by one.
export function showConsentError(box, error, app, classId = null) {
  box.replaceChildren(error.message);
  const children = error.detail?.children || [];
  if (error.code !== "consent_missing" || !children.length) return [];
  box.append(h("ul", { class: "consent-missing" },
    children.map((c) => h("li", { dataset: { childId: c.id } }, c.display_name))));
  if (app.isStaff()) {
    box.append(h("span", { class: "consent-next" },
      "Retirez la photo, ou attendez l'accord de tous ses responsables (",
      h("a", { href: classId ? `#/consent/class/${classId}` : "#/consent" }, "voir le droit à l'image"), ")."));
  }
  return children.map((c) => c.id);
}

// The form of a blog article and of a cahier page: title, text, photos.
// `send(body)` makes the request (body with title, body, media_ids, client_id)
// and resolves with what the server made; the form is emptied only then.
export function storyForm(app, { classId, submitLabel, titleLabel = "Titre", textLabel = "Texte", textRequired = false, hint = null, send, sent }) {
  const title = h("input", { name: "title", maxlength: "200", required: true, autocomplete: "off" });
  const text = h("textarea", { name: "body", rows: "5", maxlength: "20000", required: textRequired });
  const picker = photoPicker(app, { classId });
  const error = errorBox();
  const button = h("button", { type: "submit" }, icon("send"), submitLabel);
  let clientId = newClientId();
  const form = h("form", { class: "story-form", novalidate: true },
    hint ? h("p", { class: "hint" }, hint) : null,
    field(titleLabel, title),
    field(textLabel, text),
    picker.element,
    error,
    h("div", { class: "actions" }, button));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    showError(error, { message: "", fields: {} }, form);
    if (!title.value.trim()) {
      showError(error, { message: "Donnez un titre.", fields: { title: "Obligatoire." } }, form);
      title.focus();
      return;
    }
    if (textRequired && !text.value.trim()) {
      showError(error, { message: "Écrivez le texte.", fields: { body: "Obligatoire." } }, form);
      text.focus();
      return;
    }
    if (picker.busy()) { error.textContent = "Attendez la fin de l'envoi des photos."; return; }
    if (picker.failed()) { error.textContent = "Une photo n'a pas pu partir : retirez-la ou réessayez."; return; }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const made = await send({ title: title.value.trim(), body: text.value.trim(), media_ids: picker.ids(), client_id: clientId });
      title.value = "";
      text.value = "";
      picker.clear();
      clientId = newClientId();
      sent?.(made);
    } catch (failure) {
      // Nothing was written: everything stays filled in, ready to send again.
      if (failure.code === "consent_missing") picker.mark(showConsentError(error, failure, app, classId));
      else showError(error, failure, form);
      form.querySelector("[aria-invalid]")?.focus();
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return { form, title, text, picker, error };
}

// Who wrote it, and when: "Mme Martin · mardi 3 mars".
export function byline(author, app, iso) {
  const who = author.id === app.me.user.id ? "Vous" : author.display_name;
  return h("p", { class: "meta byline" }, who, " · ", h("time", { datetime: iso }, longDay(iso)));
}
