// Sign-in and account activation; the full web app grows from here.
const $ = (id) => document.getElementById(id);
let csrf = null;

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(data?.error?.message || "Erreur réseau.");
  return data;
}

async function showHome() {
  const me = await api("GET", "/api/me");
  csrf = me.csrf_token;
  $("signin").hidden = true; $("activate").hidden = true; $("show-activate").hidden = true;
  const home = $("home");
  home.hidden = false;
  home.replaceChildren();
  const hello = document.createElement("h2");
  hello.textContent = `Bonjour ${me.user.display_name}`;
  home.append(hello);
  if (me.school) {
    const school = document.createElement("p");
    school.textContent = `${me.school.name} – ${me.school.city}`;
    home.append(school);
  }
  const list = document.createElement("ul");
  list.className = "children";
  for (const child of me.children) {
    const classe = me.classes.find((c) => c.id === child.class_id);
    const item = document.createElement("li");
    item.textContent = child.display_name + (classe ? ` (${classe.name})` : "");
    list.append(item);
  }
  for (const classe of me.user.role === "parent" ? [] : me.classes) {
    const item = document.createElement("li");
    item.textContent = classe.name;
    list.append(item);
  }
  home.append(list);
  const out = document.createElement("button");
  out.type = "button"; out.textContent = "Se déconnecter";
  out.addEventListener("click", async () => { await api("DELETE", "/api/session"); location.reload(); });
  home.append(out);
}

$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await api("POST", "/api/session", { login: $("login").value, password: $("password").value });
    await showHome();
  } catch (error) { $("signin-error").textContent = error.message; }
});

$("activate").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("activate-error").textContent = "";
  try {
    await api("POST", "/api/activate", { code: $("code").value, password: $("new-password").value });
    await showHome();
  } catch (error) { $("activate-error").textContent = error.message; }
});

$("show-activate").addEventListener("click", () => { $("activate").hidden = false; $("code").focus(); });

showHome().catch(() => {});
