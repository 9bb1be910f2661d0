// Small DOM helpers: the app builds its screens with these, never with
// innerHTML, so text from people (messages, names) is always text.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      element.className = value;
    } else if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else if (key in element && typeof value !== "string") {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? "" : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

// Puts `children` in `element` as `h` does (nested lists; nothing for null or false).
export function add(element, ...children) {
  append(element, children);
  return element;
}

// The same, in place of what `element` held.
export function fill(element, ...children) {
  element.replaceChildren();
  return add(element, ...children);
}

let uniqueCounter = 0;
export function uid(prefix = "f") {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

// A labelled control; `hint` is tied to the control for screen readers.
export function field(label, control, hint) {
  control.id ||= uid();
  const parts = [h("label", { for: control.id }, label)];
  if (hint) {
    const hintId = uid("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("p", { class: "hint", id: hintId }, hint));
  }
  parts.push(control);
  return h("div", { class: "field" }, parts);
}

export function errorBox() {
  return h("p", { class: "error", role: "alert" });
}

// Shows an ApiError's message, and each field's message next to its input.
export function showError(box, error, form) {
  box.textContent = error.message;
  if (!form) return;
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const [name, message] of Object.entries(error.fields || {})) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    input.insertAdjacentElement("afterend", h("p", { class: "field-error" }, message));
  }
}

const PARIS = "Europe/Paris";
const timeFormat = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: PARIS });
const dayFormat = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short", timeZone: PARIS });
const longDayFormat = new Intl.DateTimeFormat("fr-FR", { weekday: "long", day: "numeric", month: "long", timeZone: PARIS });
const isoDayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: PARIS });

// "14:05" today, "hier 14:05", "mar. 3 nov." otherwise: what a phone shows.
export function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  const today = isoDay(new Date());
  const day = isoDay(moment);
  if (day === today) return timeFormat.format(moment);
  if (day === isoDay(new Date(Date.now() - 86400000))) return `hier ${timeFormat.format(moment)}`;
  return dayFormat.format(moment);
}

// "aujourd'hui à 14:05", "hier à 14:05", "le mar. 3 nov. à 14:05".
export function at(iso) {
  const day = isoDay(new Date(iso));
  const today = isoDay();
  if (day === today) return `aujourd'hui à ${time(iso)}`;
  if (day === addDays(today, -1)) return `hier à ${time(iso)}`;
  return `le ${when(iso)} à ${time(iso)}`;
}

export function longDay(isoOrDate) {
  const moment = typeof isoOrDate === "string" && isoOrDate.length === 10 ? new Date(`${isoOrDate}T12:00:00Z`) : new Date(isoOrDate);
  return longDayFormat.format(moment);
}

export function time(iso) {
  return timeFormat.format(new Date(iso));
}

// YYYY-MM-DD of a moment in Paris: the school's calendar day.
export function isoDay(moment = new Date()) {
  return isoDayFormat.format(moment);
}

export function addDays(day, count) {
  const moment = new Date(`${day}T12:00:00Z`);
  moment.setUTCDate(moment.getUTCDate() + count);
  return moment.toISOString().slice(0, 10);
}

let toastTimer = null;
export function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 5000);
}

// Screens call this once built; the shell announces it when the screen is on
// the page (html[data-view] tells tests and styles which screen shows).
export function rendered(container, name, title) {
  container.dataset.view = name;
  container.dataset.title = title || "";
}

export function announceView(container) {
  document.documentElement.dataset.view = container.dataset.view || "";
  document.title = container.dataset.title ? `${container.dataset.title} – Liaison` : "Liaison";
}

// An icon of the sprite in /icons/ui.svg; decorative, the text beside it says the thing.
export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `/icons/ui.svg#${name}`);
  svg.append(use);
  return svg;
}
