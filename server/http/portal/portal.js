// The whole of what a portal writes to embed the widget: frame it, answer its "ready" with
// the key (to the widget's origin only), and listen to what it reports.
const frame = document.getElementById("widget");
const widgetOrigin = frame.dataset.origin;
const themes = {
  default: undefined,
  portal: { "--ua-accent": "#7c3aed", "--ua-radius": "10px", "--ua-font": "system-ui, sans-serif", "--ua-space": "7px" },
};

window.addEventListener("message", (event) => {
  if (event.origin !== widgetOrigin || event.source !== frame.contentWindow) return;
  const msg = event.data || {};
  switch (msg.type) {
    case "useradmin:ready":
      frame.contentWindow.postMessage(
        { type: "useradmin:init", apiKey: document.getElementById("api-key").value, theme: themes[document.getElementById("theme").value] },
        widgetOrigin,
      );
      break;
    case "useradmin:height":
      frame.style.height = Math.max(320, msg.height) + "px";
      break;
  }
  if (msg.type && msg.type !== "useradmin:height") log(msg);
});

document.getElementById("handover").addEventListener("submit", (event) => {
  event.preventDefault();
  frame.src = frame.dataset.src;
});

function log(msg) {
  const item = document.createElement("li");
  item.textContent = msg.type + (msg.id ? " " + msg.id : "");
  document.getElementById("events").prepend(item);
}
