// The board of an announcement: who read it, who signed (on the phone or on
// paper), who is still to be told and who the school could not reach; live,
// with a reminder for the families that have not signed and paper slips ("mots")
// to print. A school-wide announcement has hundreds of families: they can be
// filtered by class and by state, sorted by class or first name, and searched;
// the rows are built once per change of the data, and filtering only shows or
// hides them.
import { api } from "../api.js";
import { EVENT } from "../events.js";
import { h, icon, when, errorBox, showError, rendered, toast, field, isoDay, addDays } from "../dom.js";
import { de, plural } from "../french.js";

const CHANNELS = [["websocket", "application"], ["push", "notification"], ["email", "courriel"], ["digest", "résumé de 17\u00a0h"]];
const DAY = 86400000;
const PARIS = "Europe/Paris";
const clockParts = new Intl.DateTimeFormat("fr-FR", { hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone: PARIS });
const shortDay = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short", timeZone: PARIS });

// "7 h 30", "17 h": the time of day as French writes it, in Paris (never cut at a line's end).
function clock(iso) {
  const parts = Object.fromEntries(clockParts.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour);
  return parts.minute === "00" ? `${hour}\u00a0h` : `${hour}\u00a0h\u00a0${parts.minute}`;
}

// "aujourd'hui à 7 h 30", "hier à 18 h 02", "demain à 7 h", "le jeu. 3 déc. à 8 h 15".
function moment(iso) {
  const day = isoDay(new Date(iso));
  const today = isoDay();
  const word = day === today ? "aujourd'hui" : day === addDays(today, -1) ? "hier"
    : day === addDays(today, 1) ? "demain" : `le ${shortDay.format(new Date(iso))}`;
  return `${word} à ${clock(iso)}`;
}

// When a pending family will be told: "à 7 h 30" today, "demain à 7 h"; "dans un instant" once due.
function upcoming(iso) {
  if (new Date(iso) <= new Date()) return "dans un instant";
  return isoDay(new Date(iso)) === isoDay() ? `à ${clock(iso)}` : moment(iso);
}

// Names compared without case or accents: "eden" finds "Éden".
function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

export default async function board(main, params, app) {
  main.classList.add("screen");
  const id = params.id;
  let data = await api("GET", `/api/threads/${id}/receipts`);
  let filter = ["unread", "unsigned", "pending", "unreached"].includes(params.filter) ? params.filter : "all";
  let classId = "";
  let sort = "class";
  let query = "";
  const opened = new Set(); // children whose details are unfolded, kept across refreshes
  const rows = new Map(); // child id -> { family, key (its data, to rebuild it only when changed), index, node, hay (names to search) }

  const subject = h("p", { class: "board-subject" });
  const counters = h("div", { class: "counters" });
  const later = h("p", { class: "pending-note" });
  const spoken = h("p", { class: "sr-only", "aria-live": "polite" });
  const search = h("input", { type: "search", name: "q", autocomplete: "off", spellcheck: "false",
    oninput: () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => { query = fold(search.value.trim()); applyFilters(); }, 150); } });
  let searchTimer = null;
  const classSelect = h("select", { name: "class", onchange: () => { classId = classSelect.value; applyFilters(); } });
  const sortSelect = h("select", { name: "sort", onchange: () => { sort = sortSelect.value; order(); } },
    h("option", { value: "class" }, "Par classe"), h("option", { value: "name" }, "Par prénom"));
  const searchField = field("Rechercher une famille", search, "Prénom ou nom de l'enfant, ou nom d'un parent.");
  const classField = field("Classe", classSelect);
  const sortField = field("Ordre", sortSelect);
  const controls = h("div", { class: "row board-controls" }, searchField, classField, sortField);
  const chips = h("div", { class: "chips", role: "group", "aria-label": "Afficher" });
  const shownCount = h("p", { class: "shown-count", "aria-live": "polite" });
  const list = h("ul", { class: "families" });
  const empty = h("p", { class: "empty", hidden: true });
  const tools = h("div", { class: "board-tools" });
  const actionError = errorBox();

  const done = (f) => (data.thread.require_ack ? f.acked_at : f.read_at);
  // Families the school may chase now (remind, a paper slip): not done, and not
  // still to be told by their own notifications.
  const chased = (f) => !done(f) && f.state !== "pending";

  const FILTERS = {
    all: ["Tous", () => true, "Aucune famille dans ce message."],
    unread: ["Pas lu", (f) => !f.read_at, "Toutes les familles ont lu le message."],
    unsigned: ["Pas signé", (f) => !f.acked_at, "Toutes les familles ont signé."],
    pending: ["Bientôt prévenues", (f) => f.state === "pending", "Aucune famille n'attend sa notification."],
    unreached: ["Injoignables", (f) => f.state === "unreached", "Toutes les familles ont été prévenues."],
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
      counter("families", s.families, plural(s.families, "famille", "familles")),
      counter("read", s.read, "ont lu", s.families),
      acked,
      counter("unreached", s.unreached, plural(s.unreached, "injoignable", "injoignables")));
    counters.classList.toggle("with-ack", Boolean(ack));
    const pending = data.families.filter((f) => f.state === "pending");
    later.hidden = !pending.length;
    if (pending.length) {
      const last = pending.map((f) => f.notify_at).sort().at(-1);
      const until = new Date(last) <= new Date() ? "dans un instant"
        : isoDay(new Date(last)) === isoDay() ? `d'ici ${clock(last)}` : `d'ici ${moment(last)}`;
      later.replaceChildren(icon("send"), pending.length > 1
        ? `${pending.length} familles seront prévenues ${until} : leurs notifications attendent la fin du délai d'envoi, des heures calmes ou le résumé de 17\u00a0h.`
        : `1 famille sera prévenue ${until} : sa notification attend la fin du délai d'envoi, des heures calmes ou le résumé de 17\u00a0h.`);
    }
  }

  // -- the rows: built once per change of a family, shown or hidden by the filters ----------
  function familyRow(family) {
    const childId = family.child.id;
    const states = [family.read_at
      ? h("span", { class: "state ok" }, icon("check"), `Lu ${moment(family.read_at)}`)
      : h("span", { class: "state missing" }, "Pas encore lu")];
    if (data.thread.require_ack) {
      states.push(family.acked_at
        ? h("span", { class: "state ok" }, icon("check"),
          family.acked_on_paper ? `Signé sur papier (noté ${moment(family.acked_at)})` : `Signé ${moment(family.acked_at)}`)
        : h("span", { class: "state missing" }, "Pas encore signé"));
    }
    let tag = null;
    if (family.state === "unreached") {
      tag = h("p", { class: "tag unreached" }, family.guardians.length
        ? "Injoignable : message reçu par personne" : "Injoignable : aucun parent n'a de compte");
    } else if (family.state === "pending") {
      tag = h("p", { class: "tag pending" }, `Sera prévenue ${upcoming(family.notify_at)}`);
    }
    const klass = data.classes.length > 1 && family.class ? h("span", { class: "class-name" }, family.class.name) : null;
    const item = h("li", { class: `family${family.state === "unreached" ? " is-unreached" : ""}`, tabindex: "-1", dataset: { childId } },
      h("p", { class: "name" }, family.child.display_name, klass ? [h("span", { class: "sr-only" }, ", classe "), klass] : null),
      h("p", { class: "states" }, states.map((state, i) => [i ? h("span", { class: "sr-only" }, ", ") : null, state])),
      tag);

    const rowTools = h("div", { class: "row-tools" });
    if (data.thread.require_ack && !family.acked_at) {
      rowTools.append(h("button", {
        type: "button", class: "secondary paper-ack",
        onclick: (event) => paperAck(family, event.currentTarget),
      }, "Signé sur papier", h("span", { class: "sr-only" }, ` : ${family.child.display_name}`)));
    }
    if (family.guardians.length) {
      const details = h("details", { class: "guardians", open: opened.has(childId) },
        h("summary", {}, "Détail", h("span", { class: "sr-only" }, ` : ${family.child.display_name}`)),
        h("ul", {}, family.guardians.map(guardianItem)));
      details.addEventListener("toggle", () => { if (details.open) opened.add(childId); else opened.delete(childId); });
      rowTools.append(details);
    }
    if (rowTools.childElementCount) item.append(rowTools);
    return item;
  }

  function guardianItem(guardian) {
    const received = CHANNELS.filter(([key]) => guardian.delivered?.[key])
      .map(([key, label]) => `${label} ${when(guardian.delivered[key])}`);
    return h("li", {},
      h("span", { class: "person" }, guardian.display_name), " : ",
      guardian.read_at ? `lu ${moment(guardian.read_at)}` : "pas lu",
      h("br"),
      h("span", { class: "hint" }, received.length ? `Reçu par ${received.join(", ")}` : "Rien reçu pour l'instant"));
  }

  // New data: rebuild only the rows whose family changed, then order and filter them.
  function syncRows() {
    const seen = new Set();
    const multi = data.classes.length > 1;
    data.families.forEach((family, index) => {
      const childId = family.child.id;
      seen.add(childId);
      const key = JSON.stringify([family, data.thread.require_ack, multi]);
      const row = rows.get(childId);
      if (row && row.key === key) { row.family = family; row.index = index; return; }
      const names = [family.child.display_name, ...family.guardians.map((g) => g.display_name)].join(" ");
      rows.set(childId, { family, key, index, node: familyRow(family), hay: fold(names) });
    });
    for (const childId of [...rows.keys()]) if (!seen.has(childId)) rows.delete(childId);
  }

  const byName = new Intl.Collator("fr", { sensitivity: "base", numeric: true });
  function order() {
    const all = [...rows.values()];
    // The server's order is by class (school order), then by first name.
    if (sort === "name") all.sort((a, b) => byName.compare(a.family.child.display_name, b.family.child.display_name) || a.index - b.index);
    else all.sort((a, b) => a.index - b.index);
    list.replaceChildren(...all.map((row) => row.node));
  }

  function inView(row) {
    return (!classId || row.family.class?.id === classId) && (!query || row.hay.includes(query));
  }

  function applyFilters() {
    if (!FILTERS[filter] || (filter === "unsigned" && !data.thread.require_ack)) filter = "all";
    const keep = FILTERS[filter][1];
    let shown = 0;
    for (const row of rows.values()) {
      const visible = inView(row) && keep(row.family);
      if (row.node.hidden === visible) row.node.hidden = !visible;
      if (visible) shown += 1;
    }
    drawChips();
    const narrowed = classId || query;
    empty.textContent = narrowed ? "Aucune famille ne correspond à cette recherche." : FILTERS[filter][2];
    empty.hidden = shown > 0;
    const total = data.families.length;
    shownCount.textContent = shown === total ? "" : `${shown} ${plural(shown, "famille affichée", "familles affichées")} sur ${total}.`;
  }

  // The chips stay in place (a keyboard keeps its focus on the one pressed); their
  // counts follow the class and the search.
  const chipButtons = new Map();
  function drawChips() {
    const names = ["all", "unread"];
    if (data.thread.require_ack) names.push("unsigned");
    if (data.summary.pending || filter === "pending") names.push("pending");
    names.push("unreached");
    if (names.join() !== [...chipButtons.keys()].join()) {
      chipButtons.clear();
      for (const name of names) {
        chipButtons.set(name, h("button", {
          type: "button", class: "chip", dataset: { filter: name },
          onclick: () => { filter = name; applyFilters(); },
        }, FILTERS[name][0], h("span", { class: "chip-count" })));
      }
      chips.replaceChildren(...chipButtons.values());
    }
    const inScope = [...rows.values()].filter(inView).map((row) => row.family);
    for (const [name, button] of chipButtons) {
      button.setAttribute("aria-pressed", String(name === filter));
      button.querySelector(".chip-count").textContent = ` (${inScope.filter(FILTERS[name][1]).length})`;
    }
  }

  function drawControls() {
    const classes = data.classes || [];
    searchField.hidden = data.families.length < 8;
    classField.hidden = classes.length < 2;
    sortField.hidden = classes.length < 2;
    controls.hidden = searchField.hidden && classField.hidden;
    if (classId && !classes.some((c) => c.id === classId)) classId = "";
    classSelect.replaceChildren(
      h("option", { value: "" }, `Toutes (${data.families.length})`),
      ...classes.map((c) => h("option", { value: c.id }, `${c.name} (${c.families})`)));
    classSelect.value = classId;
  }

  // -- the reminder and the paper slips ---------------------------------------------------
  let reminding = false;
  function drawTools() {
    const t = data.thread;
    const chase = data.families.filter(chased).length;
    const waiting = data.families.filter((f) => !done(f) && f.state === "pending").length;
    tools.replaceChildren();
    if (t.require_ack) {
      const last = data.reminded_at;
      const again = last ? new Date(new Date(last).getTime() + DAY) : null;
      const blocked = again && again > new Date();
      if (last) {
        tools.append(h("p", { class: "hint last-reminder", tabindex: "-1" }, `Dernière relance : ${moment(last)}.`,
          blocked && chase ? ` Nouvelle relance possible ${moment(again.toISOString())}.` : ""));
      }
      if (chase && !blocked) {
        tools.append(h("button", { type: "button", class: "remind", disabled: reminding, onclick: remind },
          icon("send"), `Relancer ${chase > 1 ? `les ${chase} familles` : "la famille"} qui n'${chase > 1 ? "ont" : "a"} pas signé`));
      }
    }
    if (chase) {
      const hintId = "board-paper-hint";
      const what = t.require_ack ? plural(chase, "qui n'a pas signé", "qui n'ont pas signé") : plural(chase, "qui n'a pas lu", "qui n'ont pas lu");
      tools.append(
        h("a", { class: "button secondary print", href: `/api/threads/${id}/paper`, target: "_blank", rel: "noopener", "aria-describedby": hintId },
          icon("print"), "Imprimer les mots", h("span", { class: "sr-only" }, " (nouvel onglet)")),
        h("p", { class: "hint", id: hintId },
          chase > 1 ? `Un mot pour chacune des ${chase} familles ${what}, à mettre dans le cartable.`
            : `Un mot pour la famille ${what}, à mettre dans le cartable.`,
          waiting ? ` Pas de mot pour ${plural(waiting, "la famille", `les ${waiting} familles`)} qui ${plural(waiting, "sera prévenue", "seront prévenues")} bientôt.` : ""));
    }
    tools.append(actionError);
  }

  async function remind() {
    if (reminding) return;
    actionError.textContent = "";
    const chase = data.families.filter(chased).length;
    const question = `Envoyer un rappel (par notification et par courriel) ${chase > 1 ? `aux ${chase} familles qui n'ont` : "à la famille qui n'a"} pas encore signé ?\n\nUne seule relance par jour est possible.`;
    if (!confirm(question)) return;
    reminding = true;
    drawTools();
    try {
      const sent = await api("POST", `/api/threads/${id}/remind`);
      data.reminded_at = sent.reminded_at;
      toast("Rappel envoyé aux familles qui n'ont pas signé.");
    } catch (failure) {
      showError(actionError, failure);
      if (failure.code === "already_reminded") soon(); // someone else did: show when
    } finally {
      reminding = false;
      drawTools();
      (tools.querySelector(".remind") || tools.querySelector(".last-reminder") || main.querySelector("h1"))?.focus();
    }
  }

  async function paperAck(family, button) {
    actionError.textContent = "";
    if (!confirm(`Noter que la famille ${de(family.child.display_name)} a rendu le mot signé ?`)) return;
    button.disabled = true;
    try {
      await api("POST", `/api/threads/${id}/paper-acks`, { child_id: family.child.id });
      toast(`Signature sur papier notée pour ${family.child.display_name}.`);
      clearTimeout(timer);
      await refresh();
      // The button is gone: keep the keyboard on this family's row.
      const row = rows.get(family.child.id)?.node;
      (row && !row.hidden ? row : main.querySelector("h1"))?.focus();
    } catch (failure) {
      button.disabled = false;
      showError(actionError, failure);
    }
  }

  function draw() {
    subject.textContent = data.thread.subject;
    drawCounters();
    drawControls();
    syncRows();
    order();
    applyFilters();
    drawTools();
    planWakeUp();
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

  // Nothing announces a notification sent: look again when the first pending family
  // is due to be told (and every half-minute while one is being sent).
  let wakeUp = null;
  function planWakeUp() {
    clearTimeout(wakeUp);
    const times = data.families.filter((f) => f.state === "pending").map((f) => new Date(f.notify_at).getTime());
    if (!times.length) return;
    const wait = Math.min(Math.max(Math.min(...times) - Date.now() + 5000, 30000), 6 * 3600000);
    wakeUp = setTimeout(() => { if (!stopped) refresh(); }, wait);
  }

  main.append(
    h("a", { href: `#/threads/${id}`, class: "back" }, "← Retour au message"),
    h("h1", { tabindex: "-1" }, "Suivi des lectures"),
    subject,
    counters,
    later,
    spoken,
    tools,
    h("h2", { class: "families-title" }, "Les familles"),
    controls,
    chips,
    shownCount,
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
    clearTimeout(wakeUp);
    clearTimeout(searchTimer);
    stops.forEach((stop) => stop());
  };
}
