// The adoption figures, the "premier bilan" (GET /api/stats): for a director
// their school, for a circonscription's team theirs and its schools, for the
// admin the platform. A scope and a range of days; the key figures; the
// activation of the families per school as bars (a circonscription's schools
// sorted by activation; beyond 40 schools, how many schools in each band of
// 10 %), the weekly activity as lines; each chart with its numbers in a
// table beside it (the chart is a picture of the table, not the only way to
// read it), and the CSV a project lead opens in a spreadsheet.
// The charts are Chart.js (static/vendor/, pinned in tests/browser/package.json):
// a file of the site, no inline script, no eval, so the strict CSP holds.
import { api } from "../api.js";
import { h, add, icon, field, rendered, uid } from "../dom.js";

const MANY_SCHOOLS = 40;
const ACCENT = "#0b5cad";
const OK = "#1d6b35";

let chartModule = null;
function loadChart() {
  // The UMD build sets globalThis.Chart when run as a module.
  chartModule ??= import("../../vendor/chart.umd.min.js").then(() => globalThis.Chart);
  return chartModule;
}

const number = new Intl.NumberFormat("fr-FR");
const decimal = new Intl.NumberFormat("fr-FR", { minimumFractionDigits: 0, maximumFractionDigits: 1 });
const pct = (value) => (value === null || value === undefined ? "—" : `${decimal.format(value)} %`);
const rate = (part, whole) => (whole ? Math.round((1000 * part) / whole) / 10 : null);

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
}

// "2026-W48" → its Monday, "23/11/2026".
function weekMonday(week) {
  const [year, number] = week.split("-W").map(Number);
  const jan4 = Date.UTC(year, 0, 4);
  const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 864e5 + (number - 1) * 7 * 864e5;
  const day = new Date(monday);
  return `${String(day.getUTCDate()).padStart(2, "0")}/${String(day.getUTCMonth() + 1).padStart(2, "0")}/${day.getUTCFullYear()}`;
}

const longDate = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

export default async function stats(main, params, app) {
  main.classList.add("screen");
  const title = "Le bilan";
  const answer = await api("GET", `/api/stats?${query({ scope: params.scope, from: params.from, to: params.to })}`);
  const circonscriptions = ["admin", "circonscription"].includes(app.me.user.role)
    ? await api("GET", "/api/circonscriptions").then((a) => a.circonscriptions || []).catch(() => [])
    : [];
  const scopeName = nameOf(answer, circonscriptions);
  const csv = `/api/stats?${query({ scope: answer.scope, from: answer.from, to: answer.to, format: "csv" })}`;
  const charts = [];

  add(main,
    h("h1", { tabindex: "-1" }, title),
    h("p", { class: "tagline" }, `${scopeName}, du ${longDate(answer.from)} au ${longDate(answer.to)}.`),
    picker(answer, app, circonscriptions, scopeName),
    keyFigures(answer),
    activationSection(answer, charts, csv),
    weeksSection(answer, charts, csv),
    schoolsSection(answer, csv));
  rendered(main, "stats", title);
  drawCharts(main, charts);
  return () => { for (const chart of charts) chart.instance?.destroy(); };
}

function nameOf(answer, circonscriptions) {
  const [kind, id] = answer.scope.split(":");
  if (kind === "platform") return "Toute la plateforme";
  if (kind === "school") return answer.schools[0]?.name || "L'école";
  const name = circonscriptions.find((c) => c.id === id)?.name;
  if (!name) return "La circonscription";
  return /^circonscription\b/i.test(name) ? name : `Circonscription ${name}`;
}

// The scope (as far as this person may see) and the days.
function picker(answer, app, circonscriptions, scopeName) {
  const options = [];
  if (app.me.user.role === "admin") options.push(["platform", "Toute la plateforme"]);
  for (const c of circonscriptions) {
    options.push([`circonscription:${c.id}`, /^circonscription\b/i.test(c.name) ? c.name : `Circonscription ${c.name}`]);
  }
  if (!options.some(([value]) => value === answer.scope)) options.push([answer.scope, scopeName]);
  const scope = h("select", { name: "scope" }, options.map(([value, label]) =>
    h("option", { value, selected: value === answer.scope }, label)));
  const from = h("input", { type: "date", name: "from", value: answer.from, required: true });
  const to = h("input", { type: "date", name: "to", value: answer.to, required: true });
  const form = h("form", { class: "stats-picker card", novalidate: true },
    options.length > 1 ? field("Périmètre", scope) : null,
    h("div", { class: "row" }, field("Du", from), field("Au", to)),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Afficher")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    app.navigate(`/stats?${query({ scope: options.length > 1 ? scope.value : answer.scope, from: from.value, to: to.value })}`);
  });
  return form;
}

function keyFigures(answer) {
  const t = answer.total;
  const items = [
    ["Familles ayant activé leur compte", `${number.format(t.families_activated)} sur ${number.format(t.families)} (${pct(rate(t.families_activated, t.families))})`],
    ["Annonces envoyées", number.format(t.announcements)],
    ["Annonces lues dans les 24 h", pct(t.announcements_read_24h_pct)],
    ["Signatures obtenues", pct(t.signatures_pct)],
    ["Messages", number.format(t.messages)],
    ["Absences signalées en ligne", number.format(t.absences_online)],
    ["Articles de blog", number.format(t.blog_posts)],
    ["Pages du cahier", number.format(t.cahier_pages)],
    ["Parents avec notifications", pct(t.push_enabled_pct)],
  ];
  return h("section", { class: "card key-figures", "aria-labelledby": "key-title" },
    h("h2", { id: "key-title" }, "Chiffres clés"),
    h("dl", { class: "figures" }, items.map(([label, value]) =>
      h("div", { class: "figure" }, h("dt", {}, label), h("dd", {}, value)))));
}

// A table that scrolls sideways on a phone: a region the keyboard can reach.
function table(caption, headers, rows) {
  return h("div", { class: "table-box", tabindex: "0", role: "region", "aria-label": caption }, h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0
      ? h("th", { scope: "row" }, cell)
      : h("td", { class: "number" }, cell))))))));
}

function csvLink(csv) {
  return h("p", { class: "csv" }, h("a", { class: "button secondary", href: csv, download: "" }, icon("board"), "Télécharger les chiffres (CSV)"));
}

function chartBox(kind, label, config, charts, height) {
  const canvas = h("canvas", { role: "img", "aria-label": label, id: uid("chart") });
  const box = h("div", { class: `chart-box chart-${kind}` }, canvas);
  if (height) box.style.height = height;
  charts.push({ canvas, config });
  return box;
}

// Bars: each school's share of activated families, best first; for a wide
// scope, how many schools fall in each band of 10 %.
function activationSection(answer, charts, csv) {
  const schools = answer.schools.map((s) => ({ ...s, rate: rate(s.families_activated, s.families) }))
    .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1) || a.name.localeCompare(b.name, "fr"));
  let chart;
  let data;
  if (schools.length > MANY_SCHOOLS) {
    const bands = Array.from({ length: 10 }, (_, i) => ({ label: i === 9 ? "90 à 100 %" : `${i * 10} à ${i * 10 + 9} %`, count: 0 }));
    for (const s of schools) if (s.rate !== null) bands[Math.min(9, Math.floor(s.rate / 10))].count += 1;
    const none = schools.filter((s) => s.rate === null).length;
    chart = chartBox("bands", "Graphique en barres : nombre d'écoles par taux de familles activées. Les chiffres sont dans le tableau.", {
      type: "bar",
      data: { labels: bands.map((b) => b.label), datasets: [{ label: "Écoles", data: bands.map((b) => b.count), backgroundColor: ACCENT }] },
      options: chartOptions({ x: { title: "Familles activées" }, y: { title: "Écoles", integer: true } }),
    }, charts);
    data = table("Nombre d'écoles par taux de familles activées", ["Familles activées", "Écoles"],
      [...bands.map((b) => [b.label, number.format(b.count)]), ...(none ? [["Sans familles inscrites", number.format(none)]] : [])]);
  } else {
    chart = chartBox("schools", "Graphique en barres : part des familles activées par école, de la plus haute à la plus basse. Les chiffres sont dans le tableau.", {
      type: "bar",
      data: { labels: schools.map((s) => s.name), datasets: [{ label: "Familles activées (%)", data: schools.map((s) => s.rate ?? 0), backgroundColor: ACCENT }] },
      options: { ...chartOptions({ x: { title: "Familles activées (%)", max: 100 }, y: { shorten: true } }), indexAxis: "y" },
    }, charts, `${Math.max(9, 2.6 * schools.length + 4)}rem`);
    data = table("Familles activées par école", ["École", "Familles", "Activées", "Taux"],
      schools.map((s) => [s.name, number.format(s.families), number.format(s.families_activated), pct(s.rate)]));
  }
  return h("section", { class: "card chart-section", "aria-labelledby": "activation-title" },
    h("h2", { id: "activation-title" }, "Activation des familles"),
    h("div", { class: "chart-and-table" }, chart, data), csvLink(csv));
}

// Lines: the families active each week, and the messages written.
function weeksSection(answer, charts, csv) {
  const weeks = answer.weeks;
  if (!weeks.length) {
    return h("section", { class: "card", "aria-labelledby": "weeks-title" },
      h("h2", { id: "weeks-title" }, "Activité par semaine"), h("p", { class: "empty" }, "Aucune semaine écoulée dans cette période."));
  }
  const labels = weeks.map((w) => weekMonday(w.week).slice(0, 5));
  const chart = chartBox("weeks", "Graphique en courbes : familles actives et messages écrits chaque semaine. Les chiffres sont dans le tableau.", {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: "Familles actives", data: weeks.map((w) => w.active_families), borderColor: ACCENT, backgroundColor: ACCENT, tension: 0 },
        { label: "Messages", data: weeks.map((w) => w.messages), borderColor: OK, backgroundColor: OK, borderDash: [6, 4], tension: 0 },
      ],
    },
    options: chartOptions({ x: { title: "Semaine du" }, y: { integer: true } }, true),
  }, charts);
  const data = table("Activité par semaine", ["Semaine du", "Familles actives", "Messages"],
    weeks.map((w) => [weekMonday(w.week), number.format(w.active_families), number.format(w.messages)]));
  return h("section", { class: "card chart-section", "aria-labelledby": "weeks-title" },
    h("h2", { id: "weeks-title" }, "Activité par semaine"),
    h("p", { class: "hint" }, "Une famille est active une semaine où l'un de ses parents a lu ou écrit un message, signé ou signalé une absence."),
    h("div", { class: "chart-and-table" }, chart, h("div", { class: "tall" }, data)), csvLink(csv));
}

// Every figure of every school (a circonscription's or the platform's),
// each name opening that school's own figures.
function schoolsSection(answer, csv) {
  if (answer.scope.startsWith("school:")) return null;
  const link = (s) => h("a", { href: `#/stats?${query({ scope: `school:${s.school_id}`, from: answer.from, to: answer.to })}` }, s.name);
  const rows = answer.schools.map((s) => [link(s), number.format(s.families), number.format(s.families_activated),
    number.format(s.announcements), pct(s.announcements_read_24h_pct), pct(s.signatures_pct), number.format(s.messages),
    number.format(s.absences_online), number.format(s.blog_posts), number.format(s.cahier_pages), pct(s.push_enabled_pct)]);
  const t = answer.total;
  rows.push(["Total", number.format(t.families), number.format(t.families_activated), number.format(t.announcements),
    pct(t.announcements_read_24h_pct), pct(t.signatures_pct), number.format(t.messages), number.format(t.absences_online),
    number.format(t.blog_posts), number.format(t.cahier_pages), pct(t.push_enabled_pct)]);
  const headers = ["École", "Familles", "Activées", "Annonces", "Lues sous 24 h", "Signatures", "Messages",
    "Absences en ligne", "Articles de blog", "Pages du cahier", "Notifications"];
  return h("section", { class: "card", "aria-labelledby": "schools-title" },
    h("h2", { id: "schools-title" }, "Toutes les écoles"),
    h("details", { open: answer.schools.length <= MANY_SCHOOLS },
      h("summary", {}, `Le détail des ${number.format(answer.schools.length)} écoles`),
      table("Les chiffres de chaque école", headers, rows)),
    csvLink(csv));
}

function chartOptions(axes, legend = false) {
  // A school's long name is cut on the chart (the table beside it has it whole).
  const short = (text) => (text.length > 22 ? `${text.slice(0, 21)}…` : text);
  const axis = ({ title, max, integer, shorten }) => ({
    beginAtZero: true,
    max,
    title: title ? { display: true, text: title, color: "#4a5563" } : undefined,
    // (No `callback` key unless shortening: an undefined one would replace Chart.js's own.)
    ticks: {
      color: "#15202b",
      precision: integer ? 0 : undefined,
      autoSkip: !shorten,
      ...(shorten ? { callback(value) { return short(String(this.getLabelForValue(value))); } } : {}),
    },
    grid: { color: "#e3e7ec" },
  });
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: legend, labels: { color: "#15202b" } }, tooltip: { enabled: true } },
    scales: { x: axis(axes.x), y: axis(axes.y) },
  };
}

// Once the screen is in the page (the shell inserts it after this module
// returns): a chart measures its box.
async function drawCharts(container, charts) {
  let Chart;
  try {
    Chart = await loadChart();
    await new Promise((resolve) => requestAnimationFrame(resolve));
  } catch {
    for (const { canvas } of charts) canvas.closest(".chart-box")?.replaceChildren(h("p", { class: "hint" }, "Le graphique n'a pas pu être affiché : les chiffres sont dans le tableau."));
    return;
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  for (const chart of charts) {
    if (!chart.canvas.isConnected) continue;
    chart.instance = new Chart(chart.canvas, chart.config);
  }
  container.dataset.charts = "drawn";
}
