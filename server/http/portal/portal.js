// The whole of what a portal's page writes to embed the widget: frame it, answer its
// "ready" and "token-expiring" with a token its own back end mints (sent to the widget's
// origin only), and listen to what it reports. The page never holds an API key.
const frame = document.getElementById("widget");
const widgetOrigin = frame.dataset.origin;
const themes = {
  default: undefined,
  portal: { "--ua-accent": "#7c3aed", "--ua-radius": "10px", "--ua-font": "system-ui, sans-serif", "--ua-space": "7px" },
  dark: { colorScheme: "dark" },
};
let handover = null; // what the form asked for when the widget was opened
window.minted = 0;

// mint asks the portal's back end for a token for the person the form names.
async function mint() {
  const resp = await fetch("/api/embed-token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(handover),
  });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error);
  window.minted++;
  return body;
}

async function sendInit() {
  try {
    const t = await mint();
    showError("");
    frame.contentWindow.postMessage(
      { type: "useradmin:init", token: t.token, expiresAt: t.expiresAt, theme: themes[document.getElementById("theme").value] },
      widgetOrigin,
    );
  } catch (e) {
    showError(e.message);
  }
}

window.addEventListener("message", (event) => {
  if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
  const msg = event.data || {};
  switch (msg.type) {
    case "useradmin:ready":
      sendInit();
      break;
    case "useradmin:token-expiring":
      if (document.getElementById("renew").checked) sendInit();
      break;
    case "useradmin:height":
      frame.style.height = Math.max(320, msg.height) + "px";
      break;
  }
  if (msg.type && msg.type !== "useradmin:height") log(msg);
});

document.getElementById("handover").addEventListener("submit", (event) => {
  event.preventDefault();
  handover = {
    userId: document.getElementById("person").value,
    scope: document.getElementById("scope").value,
    lifetimeSeconds: Number(document.getElementById("lifetime").value),
  };
  frame.src = frame.dataset.src;
});

async function loadPeople() {
  try {
    const resp = await fetch("/api/people");
    const body = await resp.json();
    if (!resp.ok) throw new Error(body.error);
    const select = document.getElementById("person");
    for (const p of body) select.add(new Option(p.label, p.id));
  } catch (e) {
    showError(e.message);
  }
}

function showError(message) {
  const el = document.getElementById("portal-error");
  el.textContent = message;
  el.hidden = message === "";
}

function log(msg) {
  const item = document.createElement("li");
  item.textContent = msg.type + (msg.id ? " " + msg.id : "");
  document.getElementById("events").prepend(item);
}

loadPeople();
