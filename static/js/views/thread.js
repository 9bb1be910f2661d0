// One conversation: messages, live updates, "Vu par …", the signature,
// sign-up slots, and replying (privately, for a family in an announcement).
import { api, newClientId } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, when, longDay, time, field, errorBox, showError, rendered, toast } from "../dom.js";
import { listenButton } from "../speak.js";
import { de, elides } from "../french.js";
import { KINDS } from "./inbox.js";
import { signupStaff } from "./signup-staff.js";
import { absencePanel } from "./absence-panel.js";

const RECALL_WITHIN_MS = 15 * 60 * 1000;

export default async function thread(main, params, app) {
  const id = params.id;
  const data = await api("GET", `/api/threads/${id}`);
  const state = {
    thread: data.thread,
    messages: new Map(data.messages.map((m) => [m.seq, m])),
    seenBy: new Map((data.thread.seen_by || []).map((r) => [r.user_id, r])),
  };
  const isFamily = app.isFamily();
  const broadcast = ["announcement", "signup"].includes(state.thread.kind);

  const list = h("ol", { class: "messages", "aria-live": "polite", "aria-relevant": "additions" });
  const seen = h("p", { class: "seen", "aria-live": "polite" });
  const ackBox = h("div", { class: "ack" });
  const slotsBox = h("div", { class: "slots" });
  // The staff see who signed up (names, waiting list, notes); families, the counts and their own.
  const staffSignups = state.thread.kind === "signup" && app.isStaff() ? signupStaff(id, app) : null;
  const earlier = h("button", { type: "button", class: "secondary" }, "Messages précédents");
  // A conversation the director closed: read, never written to, until she reopens it.
  const composeBox = h("div", { class: "compose-box" });
  const closeBox = h("div", { class: "close-box" });

  function drawMessages() {
    const messages = [...state.messages.values()].sort((a, b) => a.seq - b.seq);
    const sentIds = new Set(messages.map((m) => m.client_id));
    const pending = app.outbox.pending(id).filter((item) => !sentIds.has(item.body.client_id));
    list.replaceChildren(
      ...messages.map((m) => messageItem(m, app, state, redraw)),
      ...pending.map((item) => pendingItem(item, app)));
    earlier.hidden = !messages.length || messages[0].seq <= 1;
    drawSeen();
  }

  // "Vu par Mme Martin": who else has read up to the last message.
  function drawSeen() {
    const last = Math.max(0, ...state.messages.keys());
    const readers = [...state.seenBy.values()]
      .filter((r) => r.read_seq >= last && (!isFamily || r.is_staff))
      .map((r) => (r.read_at ? `${r.display_name} (${when(r.read_at)})` : r.display_name));
    seen.textContent = readers.length && !broadcast ? `Vu par ${readers.join(", ")}` : "";
  }

  function drawAck() {
    const t = state.thread;
    ackBox.replaceChildren();
    if (!t.require_ack) return;
    if (!isFamily) {
      ackBox.append(h("p", {}, "Signature demandée aux familles. ",
        h("a", { href: `#/threads/${id}/board` }, "Voir qui a lu et signé")));
      return;
    }
    if (t.acked_at) {
      ackBox.append(h("p", { class: "signed" }, icon("check"), `Signé le ${longDay(t.acked_at)} à ${time(t.acked_at)}`));
      return;
    }
    const error = errorBox();
    const button = h("button", { type: "button", class: "sign" }, icon("check"), "Lu et pris connaissance");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const { acked_at: ackedAt } = await api("POST", `/api/threads/${id}/ack`);
        state.thread.acked_at = ackedAt;
        drawAck();
        toast("Merci, votre signature est enregistrée.");
      } catch (failure) {
        button.disabled = false;
        showError(error, failure);
      }
    });
    ackBox.append(h("p", {}, "L'école demande votre signature."), button, error);
  }

  async function refreshThread() {
    const fresh = await api("GET", `/api/threads/${id}`);
    state.thread = fresh.thread;
    for (const m of fresh.messages) state.messages.set(m.seq, m);
    redraw();
  }

  const form = composer(state, app, drawMessages);
  const closedNote = h("p", { class: "closed-note card", role: "status" }, "Conversation fermée par la direction");
  const canClose = app.me.user.role === "director" && app.me.user.school_id === state.thread.school_id;
  function drawClosed() {
    const closed = Boolean(state.thread.closed_at);
    composeBox.replaceChildren(closed ? closedNote : form);
    closeBox.replaceChildren();
    if (!canClose) return;
    const error = errorBox();
    const button = h("button", { type: "button", class: "secondary" }, closed ? "Rouvrir la conversation" : "Fermer la conversation");
    button.addEventListener("click", async () => {
      const question = closed ? "Rouvrir cette conversation ? Chacun pourra de nouveau y écrire."
        : "Fermer cette conversation ? Elle restera lisible, mais plus personne ne pourra y écrire.";
      if (!confirm(question)) return;
      button.disabled = true;
      try {
        const { thread: fresh } = await api("POST", `/api/threads/${id}/${closed ? "reopen" : "close"}`);
        state.thread.closed_at = fresh.closed_at;
        drawClosed();
        toast(fresh.closed_at ? "Conversation fermée." : "Conversation rouverte.");
      } catch (failure) {
        button.disabled = false;
        showError(error, failure);
      }
    });
    closeBox.append(button, error);
  }

  function redraw() {
    drawMessages();
    drawAck();
    drawClosed();
    if (!staffSignups) drawSlots(slotsBox, state, app, refreshThread);
  }

  // Reading is recorded only when the screen is really in front of the person.
  let readSent = state.thread.read_seq;
  async function markRead() {
    const last = Math.max(0, ...state.messages.keys());
    if (last <= readSent || document.visibilityState !== "visible") return;
    readSent = last;
    try { await api("POST", `/api/threads/${id}/read`, { seq: last }); } catch { readSent = 0; }
  }

  earlier.addEventListener("click", async () => {
    const first = Math.min(...state.messages.keys());
    const older = await api("GET", `/api/threads/${id}/messages?after_seq=${Math.max(0, first - 51)}&limit=50`);
    for (const m of older.messages) state.messages.set(m.seq, m);
    drawMessages();
  });

  // An absence: cancelling it, or answering the school's question in one tap.
  state.absencePanel = state.thread.kind === "absence" ? absencePanel(state.thread, app) : null;
  main.append(header(state.thread, app), earlier, list, seen, ackBox, staffSignups ? staffSignups.box : slotsBox,
    state.absencePanel?.box ?? "", composeBox, closeBox);
  redraw();
  if (staffSignups) await staffSignups.load();
  markRead();
  if (params.seq) await showFound(Number(params.seq));

  // Opened from a search result (#/threads/<id>?seq=N): that message loaded,
  // then in view and focused once the shell has focused the title.
  async function showFound(seq) {
    const first = Math.min(...state.messages.keys());
    if (seq >= 1 && seq < first) {
      const older = await api("GET", `/api/threads/${id}/messages?after_seq=${seq - 1}&limit=${Math.min(200, first - seq)}`);
      for (const m of older.messages) state.messages.set(m.seq, m);
      drawMessages();
    }
    setTimeout(() => {
      const found = list.querySelector(`li[data-seq="${seq}"]`);
      if (!found) return;
      found.classList.add("found");
      found.tabIndex = -1;
      found.scrollIntoView({ block: "center" });
      found.focus({ preventScroll: true });
    }, 0);
  }

  const mine = (event) => event.thread_id === id;
  const stops = [
    app.live.on(EVENT.MESSAGE_CREATED, (m) => { if (mine(m)) { state.messages.set(m.seq, m); drawMessages(); markRead(); } }),
    app.live.on(EVENT.MESSAGE_RECALLED, (m) => { if (mine(m)) refreshThread(); }),
    app.live.on(EVENT.MESSAGE_UPDATED, (m) => { if (mine(m)) { state.messages.set(m.seq, m); drawMessages(); } }),
    app.live.on(EVENT.RECEIPT_UPDATED, (r) => {
      if (!mine(r) || r.user_id === app.me.user.id) return;
      state.seenBy.set(r.user_id, r);
      drawSeen();
    }),
    app.live.on(EVENT.ACK_CREATED, (a) => { if (mine(a) && isFamily) { state.thread.acked_at = a.acked_at; drawAck(); } }),
    app.live.on(EVENT.THREAD_UPDATED, (t) => { if (mine(t)) { state.thread.closed_at = t.closed_at; drawClosed(); } }),
    app.live.on(EVENT.SIGNUP_UPDATED, (s) => { if (mine(s)) (staffSignups ? staffSignups.load() : refreshThread()); }),
    app.outbox.on("change", drawMessages),
  ];
  const onVisible = () => markRead();
  document.addEventListener("visibilitychange", onVisible);
  rendered(main, "thread", state.thread.subject);
  return () => {
    stops.forEach((stop) => stop());
    state.absencePanel?.stop();
    document.removeEventListener("visibilitychange", onVisible);
  };
}

function header(t, app) {
  const [iconName, kindLabel] = KINDS[t.kind] || KINDS.direct;
  const about = t.child_id ? app.childName(t.child_id) : null;
  const audience = t.whole_school ? "Toute l'école"
    : t.class_ids.map((c) => app.className(c)).filter(Boolean).join(", ");
  return h("header", { class: "thread-head" },
    h("a", { href: "#/inbox", class: "back" }, "← Messages"),
    h("p", { class: "kind-line" }, icon(iconName), kindLabel, t.urgent ? h("span", { class: "tag urgent" }, "Urgent") : null),
    h("h1", { tabindex: "-1" }, t.subject),
    h("p", { class: "meta" }, `${elides(t.author.display_name) ? "D'" : "De "}${t.author.display_name}`,
      about ? ` · au sujet ${de(about)}` : "",
      ["announcement", "signup"].includes(t.kind) && audience ? ` · pour ${audience}` : ""),
    app.isStaff() && ["announcement", "signup"].includes(t.kind)
      ? h("p", {}, h("a", { class: "button secondary", href: `#/threads/${t.id}/board` }, icon("board"), "Suivi des lectures"))
      : null);
}

function messageItem(m, app, state, redraw) {
  const own = m.author.id === app.me.user.id;
  const body = m.recalled ? h("p", { class: "recalled" }, "Message retiré par son auteur.") : h("p", { class: "body" }, m.body);
  const tools = h("div", { class: "tools" });
  if (!m.recalled) {
    const listen = listenButton(`${m.author.display_name} a écrit : ${m.body}`);
    if (listen) tools.append(listen);
  }
  if (own && !m.recalled && Date.now() - Date.parse(m.created_at) < RECALL_WITHIN_MS) {
    tools.append(h("button", {
      type: "button", class: "secondary",
      onclick: async () => {
        // The family's report of an absence: "Retirer" cancels the absence itself.
        if (state.absencePanel?.owns(m)) { await state.absencePanel.cancel(); return; }
        if (!confirm("Retirer ce message pour tout le monde ?")) return;
        try {
          await api("DELETE", `/api/threads/${m.thread_id}/messages/${m.seq}`);
          state.messages.set(m.seq, { ...m, recalled: true, body: "" });
          redraw();
        } catch (failure) { toast(failure.message); }
      },
    }, "Retirer"));
  }
  return h("li", { class: `message${own ? " own" : ""}`, dataset: { seq: m.seq, clientId: m.client_id || "" } },
    h("p", { class: "author" }, own ? "Vous" : m.author.display_name, " · ",
      h("time", { datetime: m.created_at }, when(m.created_at)), m.edited_at ? " · corrigé" : ""),
    body, tools);
}

function pendingItem(item) {
  return h("li", { class: "message own pending", dataset: { clientId: item.body.client_id } },
    h("p", { class: "author" }, "Vous · en attente d'envoi"),
    h("p", { class: "body" }, item.body.body));
}

function drawSlots(box, state, app, refresh) {
  const slots = state.thread.slots;
  box.replaceChildren();
  if (!slots) return;
  box.append(h("h2", {}, "Les créneaux"));
  const error = errorBox();
  const list = h("ul", { class: "slot-list" });
  for (const slot of slots) {
    const left = Math.max(slot.capacity - slot.confirmed, 0);
    const status = left > 0 ? `${left} place${left > 1 ? "s" : ""} restante${left > 1 ? "s" : ""} sur ${slot.capacity}`
      : `Complet${slot.waitlisted ? ` · ${slot.waitlisted} en liste d'attente` : ""}`;
    const item = h("li", { class: "slot", dataset: { slotId: slot.id } },
      h("p", { class: "label" }, slot.label), h("p", { class: "status" }, status));
    if (slot.mine) {
      item.append(h("p", { class: `mine ${slot.mine.status}` }, slot.mine.status === "confirmed"
        ? "Votre inscription est confirmée." : "Vous êtes sur la liste d'attente : nous vous préviendrons si une place se libère."));
      item.append(h("button", {
        type: "button", class: "secondary",
        onclick: async () => {
          try { await api("DELETE", `/api/threads/${state.thread.id}/signups/${slot.mine.signup_id}`); await refresh(); } catch (failure) { showError(error, failure); }
        },
      }, "Me retirer"));
    } else if (app.isFamily()) {
      item.append(h("button", {
        type: "button",
        onclick: async () => {
          try {
            const made = await api("POST", `/api/threads/${state.thread.id}/signups`, { slot_id: slot.id });
            toast(made.status === "confirmed" ? "Inscription confirmée." : "Créneau complet : vous êtes sur la liste d'attente.");
            await refresh();
          } catch (failure) { showError(error, failure); }
        },
      }, left > 0 ? "Je m'inscris" : "Liste d'attente"));
    }
    list.append(item);
  }
  box.append(list, error);
}

function composer(state, app, redraw) {
  const t = state.thread;
  const privateReply = app.isFamily() && ["announcement", "signup"].includes(t.kind);
  const text = h("textarea", { name: "body", rows: "3", maxlength: "20000", required: true });
  const error = errorBox();
  const label = privateReply ? `Répondre en privé à ${t.author.display_name}` : "Votre message";
  const form = h("form", { class: "composer card" },
    field(label, text, privateReply ? "Seule l'école lira votre réponse." : null),
    h("button", { type: "submit" }, icon("send"), "Envoyer"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = text.value.trim();
    if (!body) return;
    try {
      if (privateReply) {
        const made = await api("POST", `/api/threads/${t.id}/reply-privately`, { body, client_id: newClientId() });
        location.hash = `#/threads/${made.thread.id}`;
        return;
      }
      text.value = "";
      const message = await app.outbox.submit(`/api/threads/${t.id}/messages`, { body }, { threadId: t.id });
      if (message) state.messages.set(message.seq, message);
      else toast("Hors connexion : le message partira au retour du réseau.");
      redraw();
    } catch (failure) {
      text.value ||= body;
      showError(error, failure, form);
    }
  });
  return form;
}
