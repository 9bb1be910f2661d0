// The service worker and Web Push, seen from the page.
//
// `api` below is the core's api(method, path, body): it returns the parsed JSON
// and throws an Error with a French message when the server says no.

const SW_URL = "/sw.js";

const MESSAGES = {
  blocked: "Les notifications sont bloquées dans ce navigateur : autorisez-les dans ses réglages.",
  failed: "Impossible d'activer les notifications sur cet appareil.",
};

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

// A click on a notification, when the app is already open: the service worker
// hands us the address instead of opening a second window.
function onWorkerMessage(event) {
  const { type, url } = event.data || {};
  if (type !== "open" || typeof url !== "string") return;
  let target;
  try {
    target = new URL(url, location.origin);
  } catch {
    return;
  }
  if (target.origin !== location.origin) return; // never follow a link elsewhere
  if (target.hash && target.hash !== location.hash) location.hash = target.hash;
}

let listening = false;

/** Register /sw.js for the whole site. Returns the registration, or null; never throws. */
export async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return null;
  if (!listening) {
    navigator.serviceWorker.addEventListener("message", onWorkerMessage);
    listening = true;
  }
  try {
    return await navigator.serviceWorker.register(SW_URL, { scope: "/" });
  } catch (error) {
    // Private browsing, an http:// address other than localhost…: the app works without it.
    console.warn("service worker non enregistré", error);
    return null;
  }
}

async function registration() {
  if (!("serviceWorker" in navigator)) return null;
  // `ready` never settles while nothing is registered: register first if need be.
  const existing = await navigator.serviceWorker.getRegistration("/");
  if (!existing && !(await registerServiceWorker())) return null;
  return navigator.serviceWorker.ready;
}

/** "unsupported" | "denied" | "on" | "off" for this browser. */
export async function pushState() {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  try {
    const reg = await registration();
    if (!reg) return "unsupported";
    const subscription = await reg.pushManager.getSubscription();
    return subscription && Notification.permission === "granted" ? "on" : "off";
  } catch (error) {
    console.warn("état des notifications", error);
    return "off";
  }
}

function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameKey(subscription, key) {
  const current = subscription.options?.applicationServerKey;
  if (!current) return true; // browsers that do not tell: keep it
  const a = new Uint8Array(current);
  return a.length === key.length && a.every((byte, i) => byte === key[i]);
}

/**
 * Ask for permission (call it from a click: browsers refuse otherwise),
 * subscribe this device and tell the server. Returns the new state.
 */
export async function enablePush(api) {
  if (!supported()) throw new Error(MESSAGES.failed);
  let permission = Notification.permission;
  if (permission === "default") permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error(MESSAGES.blocked);

  const reg = await registration();
  if (!reg) throw new Error(MESSAGES.failed);
  const { public_key: publicKey } = await api("GET", "/api/push/key"); // its own French error
  const key = base64UrlToBytes(publicKey);

  let subscription;
  try {
    subscription = await reg.pushManager.getSubscription();
    // A subscription made with another server key (the key was changed) cannot be used.
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ||= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (error) {
    console.warn("abonnement push", error);
    throw new Error(MESSAGES.failed);
  }
  // Posted even when the browser already had it: on a shared tablet, the
  // subscription moves to whoever is signed in now.
  await api("POST", "/api/push/subscriptions", subscription.toJSON());
  return "on";
}

/** Unsubscribe this device and tell the server. Returns the new state. */
export async function disablePush(api) {
  if (!supported()) return "unsupported";
  const reg = await registration();
  const subscription = reg && (await reg.pushManager.getSubscription());
  if (subscription) {
    const { endpoint } = subscription;
    try {
      await subscription.unsubscribe();
    } catch (error) {
      console.warn("désabonnement push", error);
    }
    // After unsubscribe() the endpoint is dead anyway; the server forgets it now
    // rather than at the first 410 from the push service.
    await api("DELETE", "/api/push/subscriptions", { endpoint });
  }
  return pushState();
}

/**
 * After a sign-in: if this device is subscribed, give its subscription to the
 * person now signed in (the server moves a known endpoint to its new owner).
 * Never throws; returns the state.
 */
export async function syncPush(api) {
  const state = await pushState();
  if (state !== "on") return state;
  try {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (subscription) await api("POST", "/api/push/subscriptions", subscription.toJSON());
  } catch (error) {
    console.warn("synchronisation push", error);
  }
  return state;
}
