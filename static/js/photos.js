// Photos of the class blog and of the cahier de réalisations: the picker
// (each photo sent at once, with its progress, a preview and "Retirer"; for
// the staff, "Qui est sur la photo ?"), the galleries that show them, the
// viewer that opens one large, and the form shared by articles and pages.
// The server re-encodes every photo without its metadata (no GPS position);
// the phone first makes it the size the server keeps (`preparePhoto`), so that
// a 9 MB photo does not cross a mobile network for nothing.
import { ApiError, api, csrf, newClientId } from "./api.js";
import { EVENT } from "./events.js";
import { h, fill, icon, uid, field, errorBox, showError, longDay } from "./dom.js";
import { join } from "./french.js";

export const PHOTO_TYPES = "image/jpeg,image/png,image/webp,image/heic,image/heif";
const MAX_BYTES = 10 * 1024 * 1024;
const MAX_PHOTOS = 20;
const TOO_BIG = "Photo trop lourde (10 Mo au plus).";
const NOT_A_PHOTO = "Ce fichier n'est pas une photo.";

// What the server keeps of a photo (liaison/media/images.py): 1600 px at most
// on the long side, re-encoded as JPEG at quality 82. The phone makes it that
// size, at a higher quality, so that the second encoding loses next to nothing
// and nothing larger than what is kept is sent.
export const SENT_SIDE = 1600;
const SENT_QUALITY = 0.9;
// Under this, a photo already at most SENT_SIDE goes as it is (no encoding twice).
const KEEP_UNDER = 1024 * 1024;
const JPEG_NAME = /\.(jpe?g|png|webp|heic|heif|gif)$/i;

// The photo as it will be sent: `{ file, resized }`. Resized when it is larger
// than what the server keeps; the original when the browser cannot decode it
// (HEIC in Chromium, an old phone) or when resizing would not make it smaller:
// the server decodes and re-encodes every photo anyway.
export async function preparePhoto(file) {
  if (!/^image\/(jpeg|png|webp|heic|heif)$/.test(file.type)) return { file, resized: false };
  let picture = null;
  try {
    picture = await decodePhoto(file);
    if (!picture) return { file, resized: false };
    const { width, height } = picture;
    const scale = Math.min(1, SENT_SIDE / Math.max(width, height));
    if (scale === 1 && file.size <= KEEP_UNDER && file.type !== "image/heic" && file.type !== "image/heif") {
      return { file, resized: false };
    }
    const blob = await encodeJpeg(picture, Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
    if (!blob || (blob.size >= file.size && file.size <= MAX_BYTES)) return { file, resized: false };
    const name = `${(file.name || "photo").replace(JPEG_NAME, "")}.jpg`;
    return { file: new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }), resized: true };
  } catch {
    return { file, resized: false }; // out of memory, a canvas refused: the original goes
  } finally {
    picture?.close?.();
  }
}

// The decoded picture, turned as its EXIF orientation says; null when this
// browser cannot decode it or cannot be trusted to turn it.
async function decodePhoto(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      if (!(error instanceof TypeError)) return null; // not decodable here (HEIC in Chromium)
      // An older browser that does not know the option: the <img> way below.
    }
  }
  // An <img> applies the orientation where `image-orientation: from-image` is the rule.
  if (!globalThis.CSS?.supports?.("image-orientation", "from-image")) return null;
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return { source: img, width: img.naturalWidth, height: img.naturalHeight };
  } catch {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function encodeJpeg(picture, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { alpha: false });
  if (!context) return null;
  context.fillStyle = "#fff"; // transparency on white, as the server does
  context.fillRect(0, 0, width, height);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.drawImage(picture.source || picture, 0, 0, width, height);
  const blob = await new Promise((resolve) => { canvas.toBlob(resolve, "image/jpeg", SENT_QUALITY); });
  canvas.width = canvas.height = 0; // the memory back at once (old phones)
  return blob;
}

// "0,7 Mo", "450 Ko": what is sent, for a person.
function weight(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toLocaleString("fr-FR", { maximumFractionDigits: 1 })} Mo`;
  return `${Math.max(1, Math.round(bytes / 1024))} Ko`;
}

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

// Which children of a class lack image consent (staff only): asked once a photo
// is chosen, kept up to date by `consent.updated`.
function consentWatch(app, classId, changed) {
  const lacking = new Map(); // child id -> display name
  let known = false;
  let asked = null;
  const load = () => {
    asked = api("GET", `/api/classes/${classId}/image-consents`).then((data) => {
      lacking.clear();
      for (const c of data.children || []) if (!c.consented) lacking.set(c.id, c.display_name);
      known = true;
      changed();
    }, () => { asked = null; /* unknown: the server still checks when publishing */ });
    return asked;
  };
  return {
    lacks: (childId) => known && lacking.has(childId),
    ready: () => asked || load(),
    reload: load,
    update(view) {
      const id = view?.child?.id;
      if (!id) return;
      if (view.consented) lacking.delete(id); else lacking.set(id, view.child.display_name);
      changed();
    },
  };
}

// The picker. `classId` (staff only) lists the children to tag; `ownChildId`: the
// cahier's own child, whose photo its own pages may always show (no consent needed).
export function photoPicker(app, { classId = null, label = "Ajouter des photos", ownChildId = null } = {}) {
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
      "Depuis la galerie ou l'appareil photo. Les photos sont allégées avant l'envoi.",
      canTag ? " Indiquez ensuite qui est sur chaque photo." : ""),
    list, spoken);
  // Before "Publier": the children on the photos whose parents have not all agreed.
  const warning = h("div", { class: "consent-warning", "aria-live": "polite" });
  if (canTag) root.append(warning);
  const consent = canTag ? consentWatch(app, classId, redrawConsent) : null;
  const stopWatching = canTag ? app.live.on(EVENT.CONSENT_UPDATED, (view) => {
    if (!root.isConnected) { stopWatching(); return; }
    consent.update(view);
  }) : null;
  // A child shown without consent (not the cahier's own child).
  const lacks = (child) => Boolean(consent?.lacks(child.id)) && child.id !== ownChildId;

  function lackingChildren() {
    const found = new Map();
    for (const item of items) {
      if (item.state !== "done") continue;
      for (const child of item.children) if (lacks(child)) found.set(child.id, child);
    }
    return [...found.values()];
  }

  function redrawConsent() {
    for (const item of items) if (item.state === "done") draw(item);
    const missing = lackingChildren();
    warning.replaceChildren();
    if (!missing.length) return;
    const who = missing.map((c) => c.display_name);
    warning.append(
      h("p", { class: "consent-warning-text" }, icon("consent"),
        h("span", {}, h("strong", {}, `Sans l'accord de tous ${missing.length > 1 ? "leurs" : "ses"} parents : ${join(who)}. La publication sera refusée.`),
        " Décochez l'enfant (« Qui est sur la photo ? »), retirez la photo ou ",
        h("a", { href: `#/consent/class/${classId}` }, "demandez l'accord aux familles"), ".")));
  }

  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = ""; // the same photo may be chosen again after a removal
    for (const file of files) {
      if (items.length >= MAX_PHOTOS) { spoken.textContent = `${MAX_PHOTOS} photos au plus.`; break; }
      add(file);
    }
  });

  function add(file) {
    consent?.ready();
    const item = { file, state: "uploading", progress: 0, media: null, children: [], error: null, upload: null };
    item.preview = /^image\/(jpeg|png|webp|gif)$/.test(file.type) ? URL.createObjectURL(file) : null;
    item.element = h("li", { class: "photo-item" });
    items.push(item);
    list.append(item.element);
    send(item);
  }

  async function send(item) {
    const { file } = item;
    item.error = null;
    item.progress = 0;
    if (file.type && !PHOTO_TYPES.split(",").includes(file.type)) return failed(item, NOT_A_PHOTO);
    // Made the size the server keeps, on the phone, before it crosses the network.
    item.state = "preparing";
    draw(item);
    const prepared = item.sent || (await preparePhoto(file));
    if (!items.includes(item)) return undefined; // removed meanwhile
    item.sent = prepared;
    if (prepared.file.size > MAX_BYTES) return failed(item, TOO_BIG);
    item.state = "uploading";
    draw(item);
    item.upload = uploadPhoto(prepared.file, (share) => { item.progress = share; drawProgress(item); });
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
    if (text && item.state === "uploading") text.textContent = `${sending(item)} ${Math.round(item.progress * 100)} %`;
  }

  // "Envoi de 0,7 Mo…": the weight that crosses the network (the photo made smaller, or as it is).
  function sending(item) {
    return item.sent ? `Envoi de ${weight(item.sent.file.size)}…` : "Envoi…";
  }

  function draw(item) {
    const { file } = item;
    const src = item.media?.thumb_url || item.preview;
    const picture = src
      ? h("img", { src, alt: "", class: "photo-preview", width: "96", height: "96" })
      : h("span", { class: "photo-preview placeholder" }, icon("photo"));
    picture.addEventListener?.("error", () => picture.replaceWith(h("span", { class: "photo-preview placeholder" }, icon("photo"))));
    const state = item.state === "preparing"
      ? [h("progress", { max: "100", "aria-label": `Préparation de ${file.name}` }), // no value: under way
        h("span", { class: "photo-state" }, "Préparation…")]
      : item.state === "uploading"
        ? [h("progress", { max: "100", value: String(Math.round(item.progress * 100)), "aria-label": `Envoi de ${file.name}` }),
          h("span", { class: "photo-state" }, sending(item))]
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
    item.element.classList.toggle("needs-consent", item.state === "done" && item.children.some(lacks));
    fill(item.element,
      picture,
      h("div", { class: "photo-about" },
        h("span", { class: "photo-name" }, file.name || "Photo"),
        h("span", { class: "photo-status" }, state),
        canTag && item.state === "done"
          ? h("span", { class: "photo-children" }, item.children.length
            ? ["Sur la photo : ", ...item.children.flatMap((c, index) => [
              index ? ", " : "", c.display_name,
              lacks(c) ? h("strong", { class: "no-consent" }, " (sans accord)") : ""])]
            : "Personne n'est indiqué sur la photo.")
          : null,
        tools));
  }

  async function tag(item, opener) {
    let children;
    try {
      [children] = await Promise.all([classChildren(classId), consent?.ready()]);
    } catch (failure) {
      failed(item, failure.message);
      return;
    }
    const titleId = uid("dialog");
    const chosen = new Set(item.children.map((c) => c.id));
    const error = errorBox();
    const boxes = children.map((child) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "child_ids", value: child.id, checked: chosen.has(child.id) }), child.display_name,
      lacks(child) ? h("span", { class: "no-consent" }, "sans accord") : null));
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
        redrawConsent();
        dialog.close();
        const without = item.children.filter(lacks);
        spoken.textContent = (item.children.length ? `Sur la photo : ${names(item.children)}.` : "Personne n'est indiqué sur la photo.")
          + (without.length ? ` Sans l'accord de tous ses parents : ${names(without)}.` : "");
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
    busy: () => items.some((item) => item.state === "uploading" || item.state === "preparing"),
    failed: () => items.some((item) => item.state === "failed"),
    // The photos where a child without consent was tagged (the server said so): marked,
    // for the staff to see which; what is known of consent is asked again.
    mark(childIds) {
      const wanted = new Set(childIds);
      for (const item of items) {
        item.element.classList.toggle("needs-consent", item.children.some((c) => wanted.has(c.id)));
      }
      consent?.reload();
    },
    clear() {
      for (const item of items) { item.upload?.abort(); if (item.preview) URL.revokeObjectURL(item.preview); }
      items.length = 0;
      list.replaceChildren();
      warning.replaceChildren();
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
export function storyForm(app, { classId, ownChildId = null, submitLabel, titleLabel = "Titre", textLabel = "Texte", textRequired = false, hint = null, send, sent }) {
  const title = h("input", { name: "title", maxlength: "200", required: true, autocomplete: "off" });
  const text = h("textarea", { name: "body", rows: "5", maxlength: "20000", required: textRequired });
  const picker = photoPicker(app, { classId, ownChildId });
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
