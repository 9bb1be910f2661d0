// ESLint for the web app (static/): its modules run in the browser as ES
// modules, with no build step; the service worker (sw.js) is a classic script.
//   tests/browser/node_modules/.bin/eslint -c tests/browser/eslint.config.js static
// Run from the repository root (ESLint lints nothing outside its working directory);
// the patterns below are relative to the root all the same (`basePath`).
const path = require("node:path");
const js = require("@eslint/js");
const globals = require("globals");

const root = path.resolve(__dirname, "../..");
const SERVICE_WORKER = "static/sw.js";

module.exports = [
  // Third-party builds copied as npm ships them (static/vendor/README.md): not ours to lint.
  { basePath: root, ignores: ["static/vendor/**"] },
  {
    basePath: root,
    files: ["static/**/*.js"],
    ...js.configs.recommended,
    // ES2022 at most: the syntax the phones of the families still in use can parse.
    languageOptions: { ecmaVersion: 2022 },
  },
  {
    basePath: root,
    files: ["static/**/*.js"],
    ignores: [SERVICE_WORKER],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  {
    basePath: root,
    files: [SERVICE_WORKER],
    languageOptions: { sourceType: "script", globals: globals.serviceworker },
  },
];
