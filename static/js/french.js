// Names in French sentences: "de Paul" but "d'Éden", "que Léa" but "qu'Isaac".
// The twin of liaison/core/french.py, whose docstring gives the rules; both
// answer the table tests/unit/french_names.json (tests/unit/test_french.py).

// First names whose initial h is sounded (de Harry, de Hamza): lower case, no accents.
const H_SOUNDED = new Set(["hamid", "hamza", "hans", "harold", "haroun", "harry", "hassan", "heidi", "hind", "howard", "hussein"]);
const VOWELS = "aeiouœæ";

function plain(name) {
  return String(name ?? "").trim().normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

// Whether "de"/"que" lose their e before this name.
export function elides(name) {
  const text = plain(name);
  if (!text) return false;
  const first = text[0];
  if (VOWELS.includes(first)) return true;
  if (first === "h") return !H_SOUNDED.has(text.replace(/-/g, " ").split(/\s+/)[0]);
  if (first === "y") return text.length > 1 && /\p{L}/u.test(text[1]) && !`${VOWELS}y`.includes(text[1]);
  return false;
}

// "de " or "d'": for a name shown apart (in its own element).
export const deWord = (name) => (elides(name) ? "d'" : "de ");

// "de Paul", "d'Éden".
export const de = (name) => deWord(name) + String(name ?? "").trim();

// "que Paul", "qu'Éden".
export const que = (name) => (elides(name) ? "qu'" : "que ") + String(name ?? "").trim();

// "a", "a et b", "a, b et c".
export function join(items) {
  if (items.length < 2) return items.join("");
  return `${items.slice(0, -1).join(", ")} et ${items[items.length - 1]}`;
}

// "de" before each name: "d'Éden et de Paul".
export const deEach = (names) => join(names.map(de));

// `one` for 0 or 1 (French counts zero as singular), else `many` (`one` + "s").
export const plural = (count, one, many = `${one}s`) => (count < 2 ? one : many);
