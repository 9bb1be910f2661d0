// Sign in, or turn the code of the paper letter into an account.
import { api } from "../api.js";
import { h, field, errorBox, showError, rendered } from "../dom.js";

export default async function signin(main, params, app) {
  if (location.hash.startsWith("#/password-forgot")) return forgotScreen(main);
  if (location.hash.startsWith("#/password-reset")) return resetScreen(main, params, app);
  const activating = location.hash.startsWith("#/activate");
  const title = h("h1", { tabindex: "-1" }, activating ? "Activer mon compte" : "Se connecter");
  main.append(h("p", { class: "tagline" }, "Le carnet de liaison de l'école"), title);
  main.append(activating ? activateForm(params, app) : signinForm(app));
  main.append(h("p", { class: "switch" }, activating
    ? h("a", { href: "#/signin" }, "J'ai déjà un compte : me connecter")
    : h("a", { href: "#/activate" }, "J'ai reçu une lettre avec un code : activer mon compte")));
  if (!activating) main.append(h("p", { class: "switch" }, h("a", { href: "#/password-forgot" }, "Mot de passe oublié ?")));
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
      if (failure.code === "second_factor_required") {
        form.replaceWith(secondFactorForm(app, failure.detail.challenge));
        return;
      }
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

// The second step of a director's or admin's sign-in: the code of their app.
function secondFactorForm(app, challenge) {
  const code = h("input", { id: "totp-code", name: "code", autocomplete: "one-time-code", inputmode: "numeric", autocapitalize: "none", spellcheck: "false", required: true });
  const error = errorBox();
  error.id = "totp-error";
  const form = h("form", { id: "second-factor", class: "card" },
    field("Code de vérification", code, "Le code à 6 chiffres de votre application d'authentification, ou un code de secours."),
    h("button", { type: "submit" }, "Valider"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api("POST", "/api/session/second-factor", { challenge, code: code.value.trim() });
      await enter(app);
    } catch (failure) {
      showError(error, failure);
      code.select();
    }
  });
  queueMicrotask(() => code.focus());
  return form;
}

// "Mot de passe oublié": the same answer whether the account exists or not.
function forgotScreen(main) {
  main.append(h("p", { class: "tagline" }, "Le carnet de liaison de l'école"), h("h1", { tabindex: "-1" }, "Mot de passe oublié"));
  const login = h("input", { id: "forgot-login", name: "login", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const error = errorBox();
  error.id = "forgot-error";
  const done = h("p", { id: "forgot-done", role: "status" });
  const form = h("form", { id: "forgot", class: "card" },
    field("Identifiant ou adresse e-mail", login, "Si un compte avec une adresse e-mail correspond, un lien pour choisir un nouveau mot de passe y est envoyé ; il est valable une heure."),
    h("button", { type: "submit" }, "Recevoir un lien"),
    error, done);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    done.textContent = "";
    try {
      await api("POST", "/api/password/forgot", { login: login.value.trim() });
      done.textContent = "C'est noté. Si ce compte a une adresse e-mail, un message vient d'y partir : ouvrez le lien qu'il contient. Sans e-mail, demandez une nouvelle lettre à l'enseignant ou à la direction.";
    } catch (failure) {
      showError(error, failure, form);
    }
  });
  main.append(form, h("p", { class: "switch" }, h("a", { href: "#/signin" }, "Retour à la connexion")));
  rendered(main, "password-forgot", "Mot de passe oublié");
}

// The screen of the emailed link: a new password, then signed in.
function resetScreen(main, params, app) {
  main.append(h("p", { class: "tagline" }, "Le carnet de liaison de l'école"), h("h1", { tabindex: "-1" }, "Nouveau mot de passe"));
  const password = h("input", { id: "reset-password", name: "password", type: "password", autocomplete: "new-password", required: true, minlength: "10" });
  const error = errorBox();
  error.id = "reset-error";
  const form = h("form", { id: "reset", class: "card" },
    field("Choisissez un nouveau mot de passe", password, "10 caractères au moins. Vos autres appareils seront déconnectés."),
    h("button", { type: "submit" }, "Enregistrer et me connecter"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api("POST", "/api/password/reset", { token: params.token || "", password: password.value });
      await enter(app);
    } catch (failure) {
      showError(error, failure, form);
    }
  });
  main.append(form, h("p", { class: "switch" }, h("a", { href: "#/password-forgot" }, "Demander un nouveau lien")));
  rendered(main, "password-reset", "Nouveau mot de passe");
}
