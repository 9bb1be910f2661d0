// The app shell: who is signed in, the menu, the live connection, the outbox,
// and which screen shows. Each screen is a module in views/ whose default
// export renders into <main> and may return a cleanup function.
import { api, setCsrf, ApiError } from "./api.js";
import { h, icon, rendered, announceView, toast } from "./dom.js";
import { route, match, navigate } from "./router.js";
import { Live } from "./live.js";
import { Outbox } from "./outbox.js";
import { registerServiceWorker, syncPush, disablePush } from "./push.js";

route("/signin", () => import("./views/signin.js"));
route("/activate", () => import("./views/signin.js"));
route("/password-forgot", () => import("./views/signin.js"));
route("/password-reset", () => import("./views/signin.js"));
route("/inbox", () => import("./views/inbox.js"));
route("/threads/:id", () => import("./views/thread.js"));
route("/threads/:id/board", () => import("./views/board.js"));
route("/write", () => import("./views/compose.js"));
route("/write/:kind", () => import("./views/compose.js"));
route("/absence", () => import("./views/absence.js"));
route("/register", () => import("./views/register.js"));
route("/register/:classId", () => import("./views/register.js"));
route("/roll-call", () => import("./views/roll-call.js"));
route("/roll-call/:classId", () => import("./views/roll-call.js"));
route("/day", () => import("./views/day.js"));
route("/agenda", () => import("./views/agenda.js"));
route("/preferences", () => import("./views/preferences.js"));
route("/staff", () => import("./views/staff.js"));
route("/calendar", () => import("./views/calendar.js"));
route("/blog", () => import("./views/blog.js"));
route("/blog/:classId", () => import("./views/blog.js"));
route("/posts/:id", () => import("./views/post.js"));
route("/cahier", () => import("./views/cahier.js"));
route("/cahier/:childId", () => import("./views/cahier.js"));
route("/cahier/class/:classId", () => import("./views/cahier.js"));
route("/consent", () => import("./views/consent.js"));
route("/consent/class/:classId", () => import("./views/consent.js"));
route("/circonscription", () => import("./views/circonscription.js"));
route("/territory", () => import("./views/territory.js"));
route("/stats", () => import("./views/stats.js"));

const PUBLIC_PATHS = new Set(["/signin", "/activate", "/password-forgot", "/password-reset"]);
const main = document.getElementById("main");

// "Aller au contenu" moves the focus into the screen; following its href
// ("#main") would make the router look for a screen called "main".
document.querySelector(".skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

// The school's staff, as the server has them (STAFF_ROLES, liaison/core/people.py):
// the platform admin is not one.
export const STAFF_ROLES = Object.freeze(["director", "teacher"]);
// The team of a circonscription (Role.CIRCONSCRIPTION): above the schools, in none.
export const CIRCONSCRIPTION_ROLE = "circonscription";

// Where a person lands after signing in, or on the app's bare address: the
// screens of those above the schools; everyone else, the messages.
const HOME = Object.freeze({ circonscription: "/circonscription", admin: "/territory" });

// Shared with every screen.
export const app = {
  me: null,
  live: null,
  outbox: null,
  navigate,
  isStaff: () => STAFF_ROLES.includes(app.me?.user.role),
  isAdmin: () => app.me?.user.role === "admin",
  isFamily: () => app.me?.user.role === "parent",
  isCirconscription: () => app.me?.user.role === CIRCONSCRIPTION_ROLE,
  home: () => HOME[app.me?.user.role] || "/inbox",
  childName: (id) => app.me?.children.find((c) => c.id === id)?.first_name,
  className: (id) => app.me?.classes.find((c) => c.id === id)?.name,
  // The schools of a person (GET /api/me's `schools`; before the server gave
  // them, the one `school`), and the names that tell them apart when there
  // are several: "Léa — École maternelle Jules-Ferry", "CP — École Jules-Ferry".
  schools: () => app.me?.schools || (app.me?.school ? [app.me.school] : []),
  schoolName: (id) => app.schools().find((s) => s.id === id)?.name || "",
  severalSchools: () => new Set([
    ...(app.me?.user.school_ids || []),
    ...app.schools().map((s) => s.id),
    ...(app.me?.classes || []).map((c) => c.school_id),
  ].filter(Boolean)).size > 1,
  childSchoolId: (child) => child?.school_id
    || app.me?.classes.find((c) => c.id === child?.class_id)?.school_id || app.me?.school?.id || null,
  childLabel: (child) => {
    const school = app.severalSchools() && app.schoolName(app.childSchoolId(child));
    return school ? `${child.first_name} — ${school}` : child.first_name;
  },
  classLabel: (id) => {
    const klass = app.me?.classes.find((c) => c.id === id);
    if (!klass) return "";
    const school = app.severalSchools() && app.schoolName(klass.school_id);
    return school ? `${klass.name} — ${school}` : klass.name;
  },
  start,
  signOut,
};

let cleanup = null;
let renderCount = 0;
// Set when someone signs in (or the app opens signed in): the messages they
// are sent to by default ("#/inbox", or no address) become their home.
let landing = false;

async function start() {
  app.me = await api("GET", "/api/me");
  setCsrf(app.me.csrf_token);
  app.live?.stop();
  app.live = new Live(app.me.user.id);
  app.outbox = new Outbox(app.me.user.id);
  app.live.on("status", updateOfflineBanner);
  app.live.on("unauthorized", () => signedOut());
  app.live.on("reset", () => render());
  app.live.start();
  app.outbox.on("change", updateOfflineBanner);
  app.outbox.on("refused", ({ error }) => toast(`Message non envoyé : ${error.message}`));
  // The socket is back: anything written meanwhile goes now.
  app.live.on("status", ({ connected }) => { if (connected) app.outbox.flush(); });
  landing = true;
  buildMenu();
  document.getElementById("who").textContent = app.me.user.display_name;
  // This device's push subscription now belongs to whoever signed in (a shared tablet).
  syncPush(api).catch(() => {});
}

async function signOut() {
  // The next person on this device must not get this person's notifications.
  try { await disablePush(api); } catch { /* no subscription here */ }
  try { await api("DELETE", "/api/session"); } catch { /* signed out locally anyway */ }
  localStorage.removeItem(`liaison.outbox.${app.me.user.id}`);
  localStorage.removeItem(`liaison.pos.${app.me.user.id}`);
  signedOut();
}

function signedOut() {
  app.live?.stop();
  app.me = null;
  app.live = null;
  document.getElementById("nav").hidden = true;
  document.getElementById("who").textContent = "";
  navigate("/signin");
}

// [path, label, icon, other paths that light the entry up]. Staff and pupils
// write from the inbox's "Nouveau message" or the blog: five entries fit a 320 px phone.
// The staff page (#/staff) is the school for the director, their classes for a
// teacher: each class's register, blog and cahiers, pupils and families.
const MENU = {
  parent: [["/inbox", "Messages", "inbox"], ["/absence", "Absence", "absence"], ["/cahier", "Cahier", "cahier", ["/posts", "/blog", "/consent"]], ["/agenda", "Agenda", "agenda"], ["/preferences", "Réglages", "settings"]],
  teacher: [["/inbox", "Messages", "inbox"], ["/register", "Absences", "absence", ["/roll-call"]], ["/staff", "Classes", "school", ["/blog", "/posts", "/cahier", "/consent"]], ["/agenda", "Agenda", "agenda"], ["/preferences", "Réglages", "settings"]],
  director: [["/inbox", "Messages", "inbox"], ["/day", "Absences", "absence", ["/register"]], ["/agenda", "Agenda", "agenda"], ["/staff", "École", "school", ["/blog", "/posts", "/cahier", "/consent", "/calendar", "/stats"]], ["/preferences", "Réglages", "settings"]],
  student: [["/blog", "Blog", "blog", ["/posts"]], ["/cahier", "Cahier", "cahier"], ["/agenda", "Agenda", "agenda"], ["/preferences", "Réglages", "settings"]],
  // Above the schools: their schools (and their inbox), the figures ("Bilan", #/stats).
  circonscription: [["/circonscription", "Écoles", "school", ["/write"]], ["/inbox", "Messages", "inbox"], ["/stats", "Bilan", "board"], ["/preferences", "Réglages", "settings"]],
  admin: [["/territory", "Territoire", "school", ["/write"]], ["/stats", "Bilan", "board"], ["/preferences", "Réglages", "settings"]],
};

function buildMenu() {
  const nav = document.getElementById("nav");
  const items = MENU[app.me.user.role] || MENU.parent;
  nav.replaceChildren(h("ul", {}, items.map(([path, label, iconName, also = []]) =>
    h("li", {}, h("a", { href: `#${path}`, dataset: { path, also: also.join(" ") } }, icon(iconName), h("span", {}, label))))));
  nav.hidden = false;
  markMenu();
}

function markMenu() {
  const current = (location.hash.replace(/^#/, "") || "/inbox").split("?")[0];
  const under = (path) => current === path || current.startsWith(`${path}/`);
  for (const link of document.querySelectorAll("#nav a")) {
    const path = link.dataset.path;
    const also = (link.dataset.also || "").split(" ").filter(Boolean);
    const active = under(path) || also.some(under) || (path === "/inbox" && current.startsWith("/threads/"));
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function updateOfflineBanner() {
  const banner = document.getElementById("offline");
  const queued = app.outbox ? app.outbox.items().length : 0;
  const offline = !navigator.onLine || (app.live && !app.live.connected && app.live.failures > 0);
  banner.hidden = !offline;
  document.getElementById("offline-queue").textContent = queued ? `${queued} en attente d'envoi.` : "";
  document.documentElement.dataset.online = offline ? "false" : "true";
}

async function render() {
  const number = ++renderCount;
  let target = match(location.hash);
  if (landing && app.me && target) {
    landing = false;
    if (target.path === "/inbox" && !location.hash.includes("?") && app.home() !== "/inbox") {
      history.replaceState(history.state, "", `#${app.home()}`);
      target = match(location.hash);
    }
  }
  if (!app.me && !PUBLIC_PATHS.has(target?.path)) {
    sessionStorage.setItem("liaison.after-signin", location.hash || "#/inbox");
    navigate("/signin");
    return;
  }
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  markMenu();
  main.setAttribute("aria-busy", "true");
  try {
    if (!target) throw new ApiError(404, "not_found", "Cette page n'existe pas.");
    const view = await target.load();
    const container = h("div", { class: `view view-${target.path.split("/")[1]}` });
    const result = await view.default(container, target.params, app);
    if (number !== renderCount) { if (typeof result === "function") result(); return; }
    main.replaceChildren(container);
    main.setAttribute("aria-busy", "false");
    announceView(container);
    cleanup = result;
    // After a move to another screen, screen readers hear the new title and
    // keyboard users start there. Not on the page's first screen: there the
    // first Tab reaches the "Aller au contenu" link, as on any page.
    if (number > 1) (main.querySelector("h1") || main).focus?.({ preventScroll: false });
  } catch (error) {
    if (number !== renderCount) return;
    if (error instanceof ApiError && error.status === 401) { signedOut(); return; }
    const screen = errorScreen(error);
    rendered(screen, "error", "Erreur");
    main.replaceChildren(screen);
    main.setAttribute("aria-busy", "false");
    announceView(screen);
  }
}

function errorScreen(error) {
  const message = error instanceof ApiError
    ? (error.status === 404 ? "Cette page n'existe pas ou ne vous est pas accessible." : error.message)
    : "Un problème est survenu dans l'application.";
  if (!(error instanceof ApiError)) console.error(error);
  return h("div", { class: "view" },
    h("h1", { tabindex: "-1" }, "Oups"),
    h("p", {}, message),
    h("p", {}, h("button", { type: "button", onclick: () => render() }, "Réessayer"), " ",
      h("a", { href: "#/inbox", class: "button secondary" }, "Retour aux messages")));
}

// Only once we know who is signed in: a hash change during start-up would
// otherwise be taken for a signed-out visit.
let booted = false;
window.addEventListener("hashchange", () => { if (booted) render(); });
window.addEventListener("online", updateOfflineBanner);
window.addEventListener("offline", updateOfflineBanner);

async function boot() {
  registerServiceWorker();
  try {
    await start();
  } catch (error) {
    if (error instanceof ApiError && error.offline) {
      // Opened without network: the shell is here (service worker), the data is not yet.
      const screen = h("div", { class: "view" }, h("h1", { tabindex: "-1" }, "Liaison"),
        h("p", {}, "Hors connexion. Vos messages s'afficheront dès le retour du réseau."));
      rendered(screen, "offline", "Hors connexion");
      main.replaceChildren(screen);
      main.setAttribute("aria-busy", "false");
      announceView(screen);
      updateOfflineBanner();
      window.addEventListener("online", boot, { once: true });
      return;
    }
    if (error.status !== 401) console.warn("start", error);
  }
  updateOfflineBanner();
  booted = true;
  await render();
}

boot();
