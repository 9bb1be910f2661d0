// The staff's side of a sign-up (thread.js shows it in the thread): who
// volunteered on each slot, the waiting list in the order it will be called,
// their notes; asked again at each `signup.updated` (which never carries the
// names), and printable as a page of its own.
import { api } from "../api.js";
import { h, icon, when, errorBox, showError } from "../dom.js";

function plural(count, one, many) {
  return `${count} ${count > 1 ? many : one}`;
}

function familyItem(signup, app) {
  const className = signup.child.class_id ? app.className(signup.child.class_id) : null;
  const guardian = signup.guardian?.display_name;
  return h("li", { class: "family", dataset: { signupId: signup.signup_id, status: signup.status } },
    h("p", { class: "who" }, h("strong", {}, signup.child.display_name), className ? ` (${className})` : ""),
    h("p", { class: "by" }, guardian ? `Parent : ${guardian} · ` : "",
      h("time", { datetime: signup.signed_up_at }, when(signup.signed_up_at))),
    signup.note ? h("p", { class: "note" }, h("span", { class: "sr-only" }, "Note : "), signup.note) : null);
}

function slotItem(slot, app) {
  const confirmed = slot.signups.filter((s) => s.status === "confirmed");
  const waiting = slot.signups.filter((s) => s.status === "waitlisted");
  const left = Math.max(slot.capacity - slot.confirmed, 0);
  const status = [
    `${plural(slot.confirmed, "famille inscrite", "familles inscrites")} sur ${plural(slot.capacity, "place", "places")}`,
    left ? plural(left, "place libre", "places libres") : "complet",
    waiting.length ? `${waiting.length} en liste d'attente` : null,
  ].filter(Boolean).join(" · ");
  const item = h("li", { class: "slot staff", dataset: { slotId: slot.id } },
    h("h3", { class: "label" }, slot.label),
    h("p", { class: "status" }, status));
  item.append(confirmed.length
    ? h("ol", { class: "families", "aria-label": `Familles inscrites : ${slot.label}` }, confirmed.map((s) => familyItem(s, app)))
    : h("p", { class: "empty" }, "Personne ne s'est encore inscrit."));
  if (waiting.length) {
    item.append(h("h4", {}, "Liste d'attente, dans l'ordre d'appel"),
      h("ol", { class: "families waiting", "aria-label": `Liste d'attente : ${slot.label}` }, waiting.map((s) => familyItem(s, app))));
  }
  return item;
}

export function signupStaff(threadId, app) {
  const list = h("ul", { class: "slot-list" });
  const error = errorBox();
  const box = h("section", { class: "slots signup-staff", "aria-labelledby": "signup-staff-title" },
    h("div", { class: "signup-staff-head" },
      h("h2", { id: "signup-staff-title" }, "Les inscriptions"),
      h("a", {
        class: "button secondary", id: "signups-print", href: `/api/threads/${threadId}/signups/print`,
        target: "_blank", rel: "noopener",
      }, icon("print"), "Imprimer la liste", h("span", { class: "sr-only" }, " (nouvel onglet)"))),
    list, error);

  // One request at a time; sign-ups arriving meanwhile are read by one more.
  let loading = null;
  let again = false;
  async function load() {
    if (loading) { again = true; return loading; }
    loading = (async () => {
      do {
        again = false;
        try {
          const data = await api("GET", `/api/threads/${threadId}/signups`);
          list.replaceChildren(...data.slots.map((slot) => slotItem(slot, app)));
          error.textContent = "";
        } catch (failure) {
          showError(error, failure);
        }
      } while (again);
      loading = null;
    })();
    return loading;
  }
  return { box, load };
}
