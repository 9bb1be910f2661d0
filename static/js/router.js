// Hash routes ("#/threads/<id>"): the server serves one page, links in emails
// and notifications open the right screen, and no server route is needed.

const routes = [];

// `pattern` like "/threads/:id/board"; `load` imports the screen's module lazily,
// so an old phone only parses the screens it opens.
export function route(pattern, load) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return "([^/]+)"; });
  routes.push({ regexp: new RegExp(`^${source}$`), names, load });
}

export function match(hash) {
  const [path, query = ""] = (hash.replace(/^#/, "") || "/inbox").split("?");
  for (const { regexp, names, load } of routes) {
    const found = regexp.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
    for (const [key, value] of new URLSearchParams(query)) params[key] ??= value;
    return { path, params, load };
  }
  return null;
}

export function navigate(path) {
  if (location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = path;
}
