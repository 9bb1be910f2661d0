// One WebSocket per tab. It resumes from the last position it handled, so a
// phone that slept, lost the network or met a restarted server misses nothing;
// it reconnects with jittered backoff so 400 families don't all knock at once.

const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;
const MAX_BACKOFF_MS = 30000;

export class Live extends EventTarget {
  constructor(userId) {
    super();
    this.storageKey = `liaison.pos.${userId}`;
    const stored = localStorage.getItem(this.storageKey);
    this.pos = stored === null ? null : Number(stored);
    this.socket = null;
    this.connected = false;
    this.failures = 0;
    this.stopped = false;
    this.timers = {};
    this.onOnline = () => this.connectNow();
  }

  // Handler for one event type (EVENT.MESSAGE_CREATED… of events.js), "*" for all, or the
  // app-level ones: "status" ({connected}), "reset", "unauthorized".
  on(type, handler) {
    const listener = (event) => handler(event.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  start() {
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    Object.values(this.timers).forEach(clearTimeout);
    this.socket?.close(1000);
  }

  connectNow() {
    if (this.stopped || this.connected) return;
    clearTimeout(this.timers.retry);
    this.failures = 0;
    this.connect();
  }

  connect() {
    if (this.stopped) return;
    this.socket?.close();
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // `since` in the address: the missed events come first, with no waiting window.
    const since = this.pos === null ? "" : `?since=${this.pos}`;
    const socket = new WebSocket(`${scheme}//${location.host}/ws${since}`);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", (closed) => { if (socket === this.socket) this.closed(closed.code); });
  }

  receive(raw) {
    let frame;
    try { frame = JSON.parse(raw); } catch { return; }
    this.awaitPong(false);
    if (frame.type === "ready") {
      this.failures = 0;
      this.setConnected(true);
      if (this.pos === null) this.savePos(frame.pos);
      this.schedulePing();
    } else if (frame.type === "reset") {
      this.savePos(frame.pos);
      this.emit("reset", frame);
    } else if (frame.type === "pong" || frame.type === "error") {
      // A pong proves the line is alive; errors are about our own frames.
    } else if (typeof frame.pos === "number") {
      if (this.pos !== null && frame.pos <= this.pos) return; // already handled
      this.savePos(frame.pos);
      this.emit(frame.type, frame.data);
      this.emit("*", frame);
    }
  }

  savePos(pos) {
    this.pos = pos;
    localStorage.setItem(this.storageKey, String(pos));
  }

  closed(code) {
    this.setConnected(false);
    clearTimeout(this.timers.ping);
    this.awaitPong(false);
    if (this.stopped) return;
    if (code === 4401) { this.emit("unauthorized"); return; }
    this.failures += 1;
    // Full jitter: a random wait up to an exponential ceiling.
    const ceiling = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures, 5));
    this.timers.retry = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  setConnected(connected) {
    if (this.connected === connected) return;
    this.connected = connected;
    this.emit("status", { connected });
  }

  // A phone's connection can die without a close: a ping left unanswered ends it.
  schedulePing() {
    clearTimeout(this.timers.ping);
    this.timers.ping = setTimeout(() => {
      if (this.socket?.readyState !== WebSocket.OPEN) return;
      this.socket.send(JSON.stringify({ type: "ping" }));
      this.awaitPong(true);
      this.schedulePing();
    }, PING_EVERY_MS);
  }

  awaitPong(waiting) {
    clearTimeout(this.timers.pong);
    if (waiting) this.timers.pong = setTimeout(() => this.socket?.close(4000), PONG_WITHIN_MS);
  }
}
