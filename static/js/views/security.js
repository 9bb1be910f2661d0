// The security sections of the preferences: "Mes appareils" (the sessions of this
// account, each ended in a tap) and, for a director or an admin, the second factor.
import { api } from "../api.js";
import { h, fill, field, errorBox, showError, when, toast } from "../dom.js";

export function devicesSection() {
  const list = h("ul", { class: "devices", id: "devices" });
  const error = errorBox();
  const section = h("section", { class: "card", "aria-labelledby": "devices-title" },
    h("h2", { id: "devices-title" }, "Mes appareils"),
    h("p", { class: "hint" }, "Les appareils où votre compte est ouvert. Déconnectez ceux que vous ne reconnaissez pas ou que vous n'utilisez plus."),
    list, error);

  async function load() {
    try {
      const { sessions } = await api("GET", "/api/me/sessions");
      fill(list, ...sessions.map((s) => h("li", { class: "device" },
        h("strong", {}, s.device),
        s.current ? h("span", {}, " (cet appareil)") : null,
        h("br"),
        h("span", { class: "hint" }, `Connecté ${when(s.created_at)}, vu ${when(s.last_seen_at)}`),
        s.current ? null : h("button", { type: "button", class: "secondary", "aria-label": `Déconnecter ${s.device}`, onclick: () => end(s) },
          "Déconnecter"))));
    } catch (failure) {
      showError(error, failure);
    }
  }

  async function end(session) {
    try {
      await api("DELETE", `/api/me/sessions/${session.id}`);
      toast(`${session.device} : déconnecté.`);
      await load();
    } catch (failure) {
      showError(error, failure);
    }
  }

  load();
  return section;
}

export function secondFactorSection(app) {
  if (!["director", "admin"].includes(app.me.user.role)) return null;
  const body = h("div", {});
  const error = errorBox();
  const section = h("section", { class: "card", id: "second-factor-box", "aria-labelledby": "second-factor-title" },
    h("h2", { id: "second-factor-title" }, "Double authentification"),
    body, error);

  async function show() {
    error.textContent = "";
    const state = await api("GET", "/api/me/second-factor");
    if (state.enabled) {
      fill(body, h("p", {}, `Activée : à chaque connexion, un code de votre application vous est demandé. Codes de secours restants : ${state.recovery_codes_left}.`),
        codeForm("Désactiver", async (code) => {
          await api("DELETE", "/api/me/second-factor", { code });
          toast("Double authentification désactivée.");
          await show();
        }));
    } else {
      fill(body, h("p", {}, "Protégez votre compte de direction : en plus du mot de passe, un code à 6 chiffres de votre téléphone (application d'authentification)."),
        h("button", { type: "button", id: "second-factor-start", onclick: start }, "Activer la double authentification"));
    }
  }

  async function start() {
    try {
      const setup = await api("POST", "/api/me/second-factor/setup");
      fill(body,
        h("p", {}, "1. Scannez ce QR code avec votre application d'authentification (ou saisissez la clé ci-dessous)."),
        h("img", { class: "qr", src: `/api/me/second-factor/qr?v=${encodeURIComponent(setup.secret.slice(0, 6))}`, alt: "QR code à scanner avec l'application d'authentification", width: "200", height: "200" }),
        // The key in groups of four (apps accept the spaces): easier to type, and it wraps on a phone.
        h("p", {}, "Clé : ", h("code", { id: "second-factor-secret" }, setup.secret.match(/.{1,4}/g).join(" "))),
        h("p", {}, "2. Saisissez le code affiché par l'application."),
        codeForm("Activer", async (code) => {
          const { recovery_codes: codes } = await api("POST", "/api/me/second-factor/enable", { code });
          fill(body,
            h("p", { role: "status" }, "Activée. Gardez ces codes de secours en lieu sûr (imprimez-les) : chacun remplace une fois un code si vous perdez votre téléphone. Ils ne seront plus affichés."),
            h("ul", { class: "recovery-codes", id: "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
            h("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Imprimer"),
            h("button", { type: "button", onclick: show }, "J'ai gardé mes codes"));
        }));
    } catch (failure) {
      showError(error, failure);
    }
  }

  function codeForm(label, act) {
    const input = h("input", { id: "second-factor-code", name: "code", autocomplete: "one-time-code", inputmode: "numeric", required: true });
    const form = h("form", { class: "second-factor-form" }, field("Code", input), h("button", { type: "submit" }, label));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await act(input.value.trim());
      } catch (failure) {
        showError(error, failure, form);
      }
    });
    return form;
  }

  show().catch((failure) => showError(error, failure));
  return section;
}
