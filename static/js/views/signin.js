// Sign in, or turn the code of the paper letter into an account.
import { api } from "../api.js";
import { h, field, errorBox, showError, rendered } from "../dom.js";

export default async function signin(main, params, app) {
  const activating = location.hash.startsWith("#/activate");
  const title = h("h1", { tabindex: "-1" }, activating ? "Activer mon compte" : "Se connecter");
  main.append(h("p", { class: "tagline" }, "Le carnet de liaison de l'école"), title);
  main.append(activating ? activateForm(params, app) : signinForm(app));
  main.append(h("p", { class: "switch" }, activating
    ? h("a", { href: "#/signin" }, "J'ai déjà un compte : me connecter")
    : h("a", { href: "#/activate" }, "J'ai reçu une lettre avec un code : activer mon compte")));
  rendered(main, "signin", activating ? "Activer mon compte" : "Se connecter");
}

async function enter(app) {
  await app.start();
  const next = sessionStorage.getItem("liaison.after-signin");
  sessionStorage.removeItem("liaison.after-signin");
  // A pupil's home is the class blog; everyone else's, the messages.
  const home = app.me.user.role === "student" ? "#/blog" : "#/inbox";
  location.hash = next && !/^#\/(signin|activate|inbox$)/.test(next) ? next : home;
}

function signinForm(app) {
  const login = h("input", { id: "login", name: "login", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = errorBox();
  error.id = "signin-error";
  const form = h("form", { id: "signin", class: "card" },
    field("Identifiant", login, "Il est écrit sur la lettre de l'école (par exemple : claire.martin)."),
    field("Mot de passe", password),
    h("button", { type: "submit" }, "Se connecter"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api("POST", "/api/session", { login: login.value.trim(), password: password.value });
      await enter(app);
    } catch (failure) {
      showError(error, failure);
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function activateForm(params, app) {
  const code = h("input", { id: "code", name: "code", autocapitalize: "characters", autocomplete: "one-time-code", spellcheck: "false", required: true, value: params.code || "" });
  const password = h("input", { id: "new-password", name: "password", type: "password", autocomplete: "new-password", required: true, minlength: "10" });
  const error = errorBox();
  error.id = "activate-error";
  const form = h("form", { id: "activate", class: "card" },
    field("Code d'activation", code, "Il est sur la lettre de l'école, par exemple ABCD-EFGH-JKLM."),
    field("Choisissez un mot de passe", password, "10 caractères au moins. Une petite phrase est facile à retenir."),
    h("button", { type: "submit" }, "Activer mon compte"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api("POST", "/api/activate", { code: code.value, password: password.value });
      await enter(app);
    } catch (failure) {
      showError(error, failure, form);
    }
  });
  return form;
}
