// The one door to the server's JSON API: CSRF header, French errors, and a
// clear difference between "the server said no" and "no network".

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token;
}

// For requests made outside `api()` (a photo upload with its progress).
export function csrf() {
  return csrfToken;
}

export class ApiError extends Error {
  constructor(status, code, message, fields = null, detail = {}) {
    super(message);
    this.status = status; // 0 when the network failed
    this.code = code;
    this.fields = fields;
    this.detail = detail; // the whole error object (e.g. a roster's `lines`)
  }

  get offline() {
    return this.status === 0;
  }
}

export async function api(method, path, body, { contentType = "application/json" } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = contentType;
  if (csrfToken && method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body,
    });
  } catch {
    throw new ApiError(0, "network", "Pas de réseau : réessayez dans un instant.");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    if (!response.ok) throw new ApiError(response.status, "http", "Le serveur ne répond pas correctement.");
  }
  if (!response.ok) {
    const error = data?.error || {};
    throw new ApiError(response.status, error.code || "http", error.message || "Erreur du serveur.", error.fields, error);
  }
  return data;
}

// Any string up to 64 characters: the server returns the first result when the
// same create is sent again, so a retried request never posts twice.
export function newClientId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
