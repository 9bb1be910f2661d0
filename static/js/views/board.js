// The board of an announcement: who read it, who signed (on the phone or on
// paper), who the school could not reach; live, with a reminder for the
// families that have not signed and paper slips to print.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, when, errorBox, showError, rendered, toast, at } from "../dom.js";

const CHANNELS = [["websocket", "application"], ["push", "notification"], ["email", "courriel"]];


function reached(family) {
  return family.guardians.some((g) => Object.values(g.delivered || {}).some(Boolean));
}

function unreached(family) {
  return !family.read_at && !family.acked_at && !reached(family);
}

export default async function board(main, params, app) {
  main.classList.add("screen");
  const id = params.id;
  let data = await api("GET", `/api/threads/${id}/receipts`);
  let filter = ["unread", "unsigned", "unreached"].includes(params.filter) ? params.filter : "all";
  const opened = new Set(); // children whose details are unfolded, kept across refreshes

  const subject = h("p", { class: "board-subject" });
  const counters = h("div", { class: "counters" });
  const spoken = h("p", { class: "sr-only", "aria-live": "polite" });
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Afficher" });
  const list = h("ul", { class: "families" });
  const empty = h("p", { class: "empty", hidden: true });
  const tools = h("div", { class: "board-tools" });
  const actionError = errorBox();

  const FILTERS = {
    all: ["Tous", () => true, "Aucune famille dans ce message."],
    unread: ["Pas lu", (f) => !f.read_at, "Toutes les familles ont lu le message."],
    unsigned: ["Pas signé", (f) => !f.acked_at, "Toutes les familles ont signé."],
    unreached: ["Injoignables", unreached, "Toutes les familles ont été prévenues."],
  };

  function counter(name, value, label, of) {
    return h("p", { class: `counter counter-${name}` },
      h("span", { class: "number", dataset: { count: name } }, String(value)),
      h("span", { class: "label" }, label, of === undefined ? "" : h("span", { class: "of" }, ` sur ${of}`)));
  }

  function drawCounters() {
    const s = data.summary;
    const ack = data.thread.require_ack;
    const acked = counter("acked", s.acked, "ont signé", s.families);
    acked.hidden = !ack;
    counters.replaceChildren(
      counter("families", s.families, s.families > 1 ? "familles" : "famille"),
      counter("read", s.read, "ont lu", s.families),
      acked,
      counter("unreached", s.unreached, s.unreached > 1 ? "injoignables" : "injoignable"));
    counters.classList.toggle("with-ack", Boolean(ack));
  }

  function drawChips() {
    const names = data.thread.require_ack ? ["all", "unread", "unsigned", "unreached"] : ["all", "unread", "unreached"];
    if (!names.includes(filter)) filter = "all";
    chips.replaceChildren(...names.map((name) => {
      const [label, keep] = FILTERS[name];
      const count = data.families.filter(keep).length;
      return h("button", {
        type: "button", class: "chip", "aria-pressed": String(name === filter), dataset: { filter: name },
        onclick: () => { filter = name; drawChips(); drawList(); },
      }, label, h("span", { class: "chip-count" }, ` (${count})`));
    }));
  }

  function drawList() {
    const [, keep, none] = FILTERS[filter];
    const shown = data.families.filter(keep);
    list.replaceChildren(...shown.map(familyRow));
    empty.textContent = none;
    empty.hidden = shown.length > 0;
  }

  function familyRow(family) {
    const childId = family.child.id;
    const states = [family.read_at
      ? h("span", { class: "state ok" }, icon("check"), `Lu ${at(family.read_at)}`)
      : h("span", { class: "state missing" }, "Pas encore lu")];
    if (data.thread.require_ack) {
      states.push(family.acked_at
        ? h("span", { class: "state ok" }, icon("check"),
          family.acked_on_paper ? `Signé sur papier (noté ${at(family.acked_at)})` : `Signé ${at(family.acked_at)}`)
        : h("span", { class: "state missing" }, "Pas encore signé"));
    }
    const item = h("li", { class: `family${unreached(family) ? " is-unreached" : ""}`, tabindex: "-1", dataset: { childId } },
      h("p", { class: "name" }, family.child.display_name),
      h("p", { class: "states" }, states.map((state, i) => [i ? h("span", { class: "sr-only" }, ", ") : null, state])),
      unreached(family)
        ? h("p", { class: "tag unreached" }, family.guardians.length
          ? "Injoignable : message reçu par personne" : "Injoignable : aucun parent n'a de compte")
        : null);

    const tools = h("div", { class: "row-tools" });
    if (data.thread.require_ack && !family.acked_at) {
      tools.append(h("button", {
        type: "button", class: "secondary paper-ack",
        onclick: (event) => paperAck(family, event.currentTarget),
      }, "Signé sur papier", h("span", { class: "sr-only" }, ` : ${family.child.display_name}`)));
    }
    if (family.guardians.length) {
      const details = h("details", { class: "guardians", open: opened.has(childId) },
        h("summary", {}, "Détail", h("span", { class: "sr-only" }, ` : ${family.child.display_name}`)),
        h("ul", {}, family.guardians.map(guardianItem)));
      details.addEventListener("toggle", () => { if (details.open) opened.add(childId); else opened.delete(childId); });
      tools.append(details);
    }
    if (tools.childElementCount) item.append(tools);
    return item;
  }

  function guardianItem(guardian) {
    const received = CHANNELS.filter(([key]) => guardian.delivered?.[key])
      .map(([key, label]) => `${label} ${when(guardian.delivered[key])}`);
    return h("li", {},
      h("span", { class: "person" }, guardian.display_name), " : ",
      guardian.read_at ? `lu ${at(guardian.read_at)}` : "pas lu",
      h("br"),
      h("span", { class: "hint" }, received.length ? `Reçu par ${received.join(", ")}` : "Rien reçu pour l'instant"));
  }

  function drawTools() {
    const t = data.thread;
    const pending = data.families.filter((f) => !(t.require_ack ? f.acked_at : f.read_at)).length;
    tools.replaceChildren();
    if (t.require_ack && pending) {
      tools.append(h("button", { type: "button", class: "remind", disabled: reminding, onclick: remind },
        icon("send"), "Relancer ceux qui n'ont pas signé"));
    }
    if (pending) {
      const hintId = "board-paper-hint";
      tools.append(
        h("a", { class: "button secondary print", href: `/api/threads/${id}/paper`, target: "_blank", rel: "noopener", "aria-describedby": hintId },
          "Imprimer les coupons", h("span", { class: "sr-only" }, " (nouvel onglet)")),
        h("p", { class: "hint", id: hintId }, t.require_ack
          ? `Une feuille à signer pour chacune des ${pending} familles qui n'ont pas signé, à mettre dans le cartable.`
          : `Une feuille pour chacune des ${pending} familles qui n'ont pas lu, à mettre dans le cartable.`));
    }
    tools.append(actionError);
  }

  function draw() {
    subject.textContent = data.thread.subject;
    drawCounters();
    drawChips();
    drawList();
    drawTools();
  }

  // Never a stale board: events during a fetch trigger one more fetch after it.
  let timer = null;
  let fetching = false;
  let again = false;
  let stopped = false;
  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const before = data.summary;
      data = await api("GET", `/api/threads/${id}/receipts`);
      if (stopped) return;
      draw();
      const s = data.summary;
      if (before.read !== s.read || before.acked !== s.acked) {
        spoken.textContent = data.thread.require_ack
          ? `${s.read} familles sur ${s.families} ont lu, ${s.acked} ont signé.`
          : `${s.read} familles sur ${s.families} ont lu.`;
      }
    } catch (failure) {
      if (!stopped) showError(actionError, failure);
    } finally {
      fetching = false;
      if (again && !stopped) { again = false; refresh(); }
    }
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  let reminding = false;
  async function remind() {
    if (reminding) return;
    actionError.textContent = "";
    reminding = true;
    drawTools();
    try {
      await api("POST", `/api/threads/${id}/remind`);
      toast("Rappel envoyé aux familles qui n'ont pas signé.");
    } catch (failure) {
      showError(actionError, failure);
    } finally {
      reminding = false;
      drawTools();
      tools.querySelector(".remind")?.focus();
    }
  }

  async function paperAck(family, button) {
    actionError.textContent = "";
    if (!confirm(`Noter que la famille de ${family.child.display_name} a rendu le coupon signé ?`)) return;
    button.disabled = true;
    try {
      await api("POST", `/api/threads/${id}/paper-acks`, { child_id: family.child.id });
      toast(`Signature sur papier notée pour ${family.child.display_name}.`);
      clearTimeout(timer);
      await refresh();
      // The button is gone: keep the keyboard on this family's row.
      const row = list.querySelector(`[data-child-id="${CSS.escape(family.child.id)}"]`);
      (row || main.querySelector("h1"))?.focus();
    } catch (failure) {
      button.disabled = false;
      showError(actionError, failure);
    }
  }

  main.append(
    h("a", { href: `#/threads/${id}`, class: "back" }, "← Retour au message"),
    h("h1", { tabindex: "-1" }, "Suivi des lectures"),
    subject,
    counters,
    spoken,
    tools,
    h("h2", { class: "families-title" }, "Les familles"),
    chips,
    list,
    empty);
  draw();

  const mine = (event) => event && event.thread_id === id;
  const stops = [
    app.live.on(EVENT.RECEIPT_UPDATED, (r) => { if (mine(r)) soon(); }),
    app.live.on(EVENT.ACK_CREATED, (a) => { if (mine(a)) soon(); }),
    // Back online after a gap: the resumed events come too, but be sure.
    app.live.on("status", ({ connected }) => { if (connected) soon(); }),
  ];
  rendered(main, "board", `Suivi – ${data.thread.subject}`);
  return () => {
    stopped = true;
    clearTimeout(timer);
    stops.forEach((stop) => stop());
  };
}
