// "Écouter": the browser's own French speech synthesis reads a message aloud,
// for families who read with difficulty. Nothing leaves the phone.
import { h, icon } from "./dom.js";

function frenchVoice() {
  const voices = speechSynthesis.getVoices();
  return voices.find((v) => v.lang === "fr-FR") || voices.find((v) => v.lang?.startsWith("fr")) || null;
}

export function listenButton(text, label = "Écouter") {
  if (!("speechSynthesis" in window)) return null;
  const button = h("button", { type: "button", class: "secondary listen", "aria-pressed": "false" },
    icon("speaker"), label);
  button.addEventListener("click", () => {
    const speaking = button.getAttribute("aria-pressed") === "true";
    speechSynthesis.cancel();
    if (speaking) { button.setAttribute("aria-pressed", "false"); return; }
    const utterance = new SpeechSynthesisUtterance(typeof text === "function" ? text() : text);
    utterance.lang = "fr-FR";
    utterance.rate = 0.9; // a little slower than default: easier to follow
    const voice = frenchVoice();
    if (voice) utterance.voice = voice;
    const done = () => button.setAttribute("aria-pressed", "false");
    utterance.addEventListener("end", done);
    utterance.addEventListener("error", done);
    button.setAttribute("aria-pressed", "true");
    speechSynthesis.speak(utterance);
  });
  return button;
}
