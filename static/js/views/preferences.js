// Settings: the account (and signing out), notifications on this device, emails, the quiet night.
import { api } from "../api.js";
import { h, field, errorBox, showError, rendered, toast } from "../dom.js";
import { pushState, enablePush, disablePush } from "../push.js";
import { devicesSection, secondFactorSection } from "./security.js";

const ROLES = {
  admin: "Administration de la plateforme",
  director: "Direction de l'école",
  teacher: "Enseignement",
  parent: "Parent",
  student: "Élève",
};

const EMAIL_CHOICES = [
  ["immediate", "Immédiatement", "Un courriel pour chaque message que vous n'avez pas lu dans l'application."],
  ["digest", "Un résumé à 17 h", "Un seul courriel par jour avec les messages non lus."],
  ["off", "Jamais", "Aucun courriel : pensez à ouvrir l'application."],
];

export default async function preferences(main, params, app) {
  main.classList.add("screen");
  const prefs = await api("GET", "/api/me/preferences");
  main.append(h("h1", { tabindex: "-1" }, "Réglages"));

  const form = h("form", { id: "preferences", class: "preferences", novalidate: true });
  const error = errorBox();

  // -- Notifications on this device: acts at once (the browser asks its permission on a click).
  const pushSwitch = h("input", { type: "checkbox", role: "switch", id: "push-switch", name: "push" });
  const pushHelp = h("p", { class: "hint", id: "push-help" });
  const pushError = errorBox();
  pushSwitch.setAttribute("aria-describedby", "push-help");
  const pushBox = h("section", { class: "card push-box", "aria-labelledby": "push-title" },
    h("h2", { id: "push-title" }, "Notifications"),
    h("label", { class: "switch-row", for: "push-switch" },
      h("span", { class: "switch-label" }, "Notifications sur cet appareil"), pushSwitch),
    pushHelp, pushError);

  function showPush(state) {
    pushSwitch.checked = state === "on";
    pushSwitch.disabled = !["on", "off"].includes(state);
    pushBox.dataset.push = state;
    pushHelp.textContent = {
      on: "Activées : cet appareil vous prévient à chaque nouveau message.",
      off: "Désactivées sur cet appareil. Activez-les pour recevoir les messages tout de suite.",
      unsupported: "Ce navigateur ne peut pas recevoir de notifications. Vous recevrez les messages par courriel.",
      denied: "Les notifications sont bloquées. Pour les autoriser : ouvrez les réglages du navigateur (le cadenas à côté de l'adresse), "
        + "choisissez « Notifications », puis « Autoriser ». Revenez ensuite sur cette page.",
    }[state] || "Vérification…";
  }

  pushSwitch.addEventListener("change", async () => {
    const wanted = pushSwitch.checked;
    pushError.textContent = "";
    pushSwitch.disabled = true;
    pushBox.setAttribute("aria-busy", "true");
    try {
      if (wanted) {
        await enablePush(api);
        await api("PUT", "/api/me/preferences", { push: true });
        toast("Notifications activées sur cet appareil.");
      } else {
        await disablePush(api);
        await api("PUT", "/api/me/preferences", { push: false });
        toast("Notifications désactivées.");
      }
    } catch (failure) {
      showError(pushError, failure);
    } finally {
      pushBox.removeAttribute("aria-busy");
      showPush(await pushState());
    }
  });

  // -- Emails.
  const emailBox = h("fieldset", { class: "card radio-list" },
    h("legend", {}, "Recevoir les messages par courriel"),
    EMAIL_CHOICES.map(([value, label, hint]) => {
      const id = `email-${value}`;
      return h("div", { class: "radio-row" },
        h("input", { type: "radio", name: "email", value, id, checked: prefs.email === value, "aria-describedby": `${id}-hint` }),
        h("div", {}, h("label", { for: id }, label), h("p", { class: "hint", id: `${id}-hint` }, hint)));
    }));

  // -- The quiet night.
  const quiet = prefs.quiet_hours;
  const quietOn = h("input", { type: "checkbox", name: "quiet_hours", id: "quiet-on", checked: Boolean(quiet) });
  const quietStart = h("input", { type: "time", name: "quiet_hours.start", value: quiet?.start || "20:00", required: true });
  const quietEnd = h("input", { type: "time", name: "quiet_hours.end", value: quiet?.end || "07:00", required: true });
  const quietTimes = h("div", { class: "time-pair", hidden: !quiet }, field("À partir de", quietStart), field("Jusqu'à", quietEnd));
  quietOn.addEventListener("change", () => { quietTimes.hidden = !quietOn.checked; });
  const quietBox = h("fieldset", { class: "card quiet" },
    h("legend", {}, "La nuit"),
    h("div", { class: "check-row" }, quietOn, h("label", { for: "quiet-on" }, "Pas de notification la nuit")),
    h("p", { class: "hint" }, "Pendant ces heures, les notifications attendent le matin. Les messages urgents et les absences arrivent quand même."),
    quietTimes);

  const save = h("button", { type: "submit" }, "Enregistrer");
  form.append(emailBox, quietBox, h("div", { class: "actions" }, save), error);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = {
      email: form.querySelector("input[name=email]:checked")?.value || prefs.email,
      quiet_hours: quietOn.checked ? { start: quietStart.value, end: quietEnd.value } : null,
    };
    save.disabled = true;
    try {
      const saved = await api("PUT", "/api/me/preferences", body);
      Object.assign(prefs, saved);
      showError(error, { message: "", fields: {} }, form); // clears the old field messages
      toast("Vos réglages sont enregistrés.");
    } catch (failure) {
      // "quiet_hours" (start = end) is about the pair: shown under the end time.
      const fields = { ...(failure.fields || {}) };
      if (fields.quiet_hours) { fields["quiet_hours.end"] ??= fields.quiet_hours; delete fields.quiet_hours; }
      showError(error, { message: failure.message, fields }, form);
      form.querySelector("[aria-invalid]")?.focus();
    } finally {
      save.disabled = false;
    }
  });

  // -- The account.
  const me = app.me;
  const account = h("section", { class: "card account", "aria-labelledby": "account-title" },
    h("h2", { id: "account-title" }, "Mon compte"),
    h("dl", { class: "facts" },
      h("dt", {}, "Nom"), h("dd", {}, me.user.display_name),
      h("dt", {}, "Rôle"), h("dd", {}, ROLES[me.user.role] || me.user.role),
      me.school ? [h("dt", {}, "École"), h("dd", {}, me.school.city ? `${me.school.name}, ${me.school.city}` : me.school.name)] : null,
      me.children.length ? [h("dt", {}, me.children.length > 1 ? "Enfants" : "Enfant"),
        h("dd", {}, me.children.map((c) => {
          const klass = app.className(c.class_id);
          return klass ? `${c.display_name} (${klass})` : c.display_name;
        }).join(", "))] : null),
    h("button", { type: "button", class: "secondary sign-out", id: "sign-out", onclick: () => app.signOut() }, "Se déconnecter"));

  // -- The right to the image of the children (guardians).
  const imageRights = app.isFamily() && me.children.length
    ? h("section", { class: "card image-rights", "aria-labelledby": "image-rights-title" },
      h("h2", { id: "image-rights-title" }, "Droit à l'image"),
      h("p", {}, "Acceptez-vous que la photo de votre enfant soit vue par les familles de la classe (blog, pages de la classe) ?"),
      h("a", { class: "button secondary", href: "#/consent" }, "Voir et donner mon accord"))
    : null;

  // The account first: signing out is where one looks for it, at the top.
  main.append(account, pushBox, form, imageRights || "", devicesSection(), secondFactorSection(app) || "");
  // Asking the service worker can take a moment on an old phone: never hold the screen for it.
  showPush("checking");
  const state = await Promise.race([pushState(), new Promise((resolve) => { setTimeout(resolve, 3000, null); })]);
  if (state) showPush(state);
  else pushState().then(showPush);
  rendered(main, "preferences", "Réglages");
  return undefined;
}
