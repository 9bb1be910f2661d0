// What a person writes is kept on the phone until the server has it. Each item
// carries its client_id, so sending it again (after a lost answer, a reload,
// another tab) returns the first result and never posts twice.
import { ApiError, api, newClientId } from "./api.js";

export class Outbox extends EventTarget {
  constructor(userId) {
    super();
    this.storageKey = `liaison.outbox.${userId}`;
    this.flushing = null;
    window.addEventListener("online", () => this.flush());
  }

  on(type, handler) {
    const listener = (event) => handler(event.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  items() {
    try { return JSON.parse(localStorage.getItem(this.storageKey)) || []; } catch { return []; }
  }

  save(items) {
    localStorage.setItem(this.storageKey, JSON.stringify(items));
    this.dispatchEvent(new CustomEvent("change", { detail: items }));
  }

  pending(threadId) {
    return this.items().filter((item) => item.threadId === threadId);
  }

  // Queue a create and try to send it now. Resolves with the server's answer,
  // or with null when it stays queued (offline); rejects when the server refuses it.
  async submit(path, body, { threadId = null } = {}) {
    const item = { path, body: { ...body, client_id: body.client_id || newClientId() }, threadId, queuedAt: new Date().toISOString() };
    this.save([...this.items(), item]);
    const outcome = await this.flush();
    const refused = outcome.refused.find((r) => r.item.body.client_id === item.body.client_id);
    if (refused) throw refused.error;
    return outcome.sent.find((s) => s.item.body.client_id === item.body.client_id)?.result ?? null;
  }

  // One flush at a time: a second call waits for the running one and then runs.
  flush() {
    const run = async () => {
      const outcome = { sent: [], refused: [] };
      for (const item of this.items()) {
        try {
          const result = await api("POST", item.path, item.body);
          outcome.sent.push({ item, result });
          this.remove(item);
          this.dispatchEvent(new CustomEvent("sent", { detail: { item, result } }));
        } catch (error) {
          if (!(error instanceof ApiError) || error.offline || error.status >= 500 || error.status === 429) break;
          // Refused for good (403, 404, 422…): keeping it would block the queue.
          outcome.refused.push({ item, error });
          this.remove(item);
          this.dispatchEvent(new CustomEvent("refused", { detail: { item, error } }));
        }
      }
      return outcome;
    };
    this.flushing = (this.flushing || Promise.resolve()).then(run, run);
    return this.flushing;
  }

  remove(item) {
    this.save(this.items().filter((other) => other.body.client_id !== item.body.client_id));
  }
}
