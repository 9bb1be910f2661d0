// What an absence thread is about, under its messages: the family cancels its
// report ("Annuler l'absence", and "Retirer" on the report's own message); when
// the school asks why a child missed the roll call, the family answers in one
// tap (or a note), which reports the absence in this thread.
import { api, newClientId } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, field, errorBox, showError, at, longDay, toast } from "../dom.js";

export const ANSWERS = [
  ["illness", "Malade"],
  ["medical", "Rendez-vous"],
  ["family", "Raison familiale"],
];
const HALF = { morning: "le matin", afternoon: "l'après-midi", day: "toute la journée" };

// `thread` is an absence thread; `onChange` redraws the page when the state changes.
export function absencePanel(thread, app) {
  const box = h("section", { class: "absence-panel card", "aria-live": "polite", hidden: true });
  const family = app.isFamily();
  const error = errorBox();
  let about = null;

  async function load() {
    try {
      about = await api("GET", `/api/threads/${thread.id}/absence`);
      draw();
    } catch (failure) {
      if (!failure.offline) showError(error, failure);
    }
  }

  async function cancel() {
    if (!about?.absence || about.absence.cancelled_at) return;
    if (!confirm("Annuler cette absence ? L'école en sera prévenue.")) return;
    try {
      about.absence = await api("POST", `/api/absences/${about.absence.id}/cancel`);
      draw();
      toast("Absence annulée : l'école est prévenue.");
    } catch (failure) {
      showError(error, failure);
    }
  }

  async function answer(reason, note = "") {
    const q = about.question;
    const body = { child_id: thread.child_id, start: q.date, end: q.date, part: q.part, reason, note, client_id: newClientId() };
    try {
      const made = await app.outbox.submit("/api/absences", body);
      if (!made) { toast("Hors connexion : la réponse partira au retour du réseau."); return; }
      about = { absence: made.absence, message_seq: null, question: { ...q, explained: true } };
      draw();
      await load();
    } catch (failure) {
      showError(error, failure);
    }
  }

  function draw() {
    box.replaceChildren();
    const absence = about?.absence;
    const question = about?.question;
    if (absence?.cancelled_at) {
      box.append(h("p", { class: "status cancelled" }, icon("check"), `Absence annulée ${at(absence.cancelled_at)}.`));
    } else if (question && !question.explained) {
      const day = `${longDay(question.date)}, ${HALF[question.part] || ""}`;
      if (family) {
        const note = h("textarea", { name: "note", rows: "2", maxlength: "2000" });
        const other = h("form", { class: "answer-note" },
          h("details", { class: "more" }, h("summary", {}, "Autre raison"),
            field("Un mot pour l'école", note),
            h("button", { type: "submit", class: "secondary" }, icon("send"), "Envoyer")));
        other.addEventListener("submit", (event) => {
          event.preventDefault();
          if (note.value.trim()) answer("other", note.value.trim());
        });
        box.append(h("h2", {}, "Pourquoi cette absence ?"),
          h("p", {}, `Absence ${day}. Un geste suffit :`),
          h("div", { class: "choices answers" }, ANSWERS.map(([reason, label]) =>
            h("button", { type: "button", class: "choice send", dataset: { answer: reason }, onclick: () => answer(reason) }, label))),
          other);
      } else {
        box.append(h("p", { class: "status waiting" }, `Absence non signalée (${day}) : la famille n'a pas encore répondu.`));
      }
    } else if (question?.explained) {
      box.append(h("p", { class: "status explained" }, icon("check"), family
        ? "Merci, l'école a votre réponse." : "Absence expliquée par la famille."));
    }
    if (family && absence && !absence.cancelled_at) {
      box.append(h("button", { type: "button", class: "secondary cancel-absence", onclick: cancel }, "Annuler l'absence"));
    }
    box.append(error);
    box.hidden = !box.querySelector("p, button, h2");
  }

  const stops = [
    app.live.on(EVENT.ABSENCE_CANCELLED, (a) => { if (a?.thread_id === thread.id) load(); }),
    app.live.on(EVENT.ABSENCE_REPORTED, (a) => { if (a?.thread_id === thread.id) load(); }),
  ];
  load();
  return {
    box,
    // "Retirer" on the family's message that made the report cancels the absence.
    owns: (message) => family && !!about?.absence && !about.absence.cancelled_at && message.seq === about.message_seq,
    cancel,
    stop: () => stops.forEach((stop) => stop()),
  };
}
