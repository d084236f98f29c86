/* Calendula embed, inside the iframe: tells the embedding page what happens (Cal.com's `CAL`
   postMessage events: __iframeReady, linkReady, __dimensionChanged, bookingSuccessfulV2, ...)
   and applies Cal("ui", ...) instructions sent by embed.js. Served by Calendula itself. */
(function () {
  "use strict";
  var root = document.documentElement;
  var ns = root.getAttribute("data-embed") || "";
  var framed = window.parent && window.parent !== window;
  var last = 0;
  var first = true;

  function send(type, data) {
    if (!framed) return;
    window.parent.postMessage({
      originator: "CAL", type: type, namespace: ns, fullType: "CAL:" + ns + ":" + type, data: data || {}
    }, "*");
  }

  function measure() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    send("__dimensionChanged", {
      iframeHeight: height, iframeWidth: Math.ceil(root.getBoundingClientRect().width), isFirstTime: first
    });
    first = false;
  }

  function applyUi(arg) {
    if (arg.theme === "light" || arg.theme === "dark" || arg.theme === "auto") {
      root.setAttribute("data-theme", arg.theme);
    }
    var brand = arg.styles && arg.styles.branding && arg.styles.branding.brandColor;
    if (typeof brand === "string" && /^#[0-9a-fA-F]{6}$/.test(brand)) {
      root.style.setProperty("--brand", brand);
      root.style.setProperty("--brand-dark", brand);
    }
    if (typeof arg.hideEventTypeDetails === "boolean") {
      var details = document.querySelector(".details");
      if (details) details.hidden = arg.hideEventTypeDetails;
    }
  }

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (event.source !== window.parent || !message || message.originator !== "CAL") return;
    if (message.method === "ui" && message.arg) applyUi(message.arg);
  });

  function start() {
    send("__iframeReady", { isPrerendering: false });
    send("linkReady", {});
    measure();
    if (window.ResizeObserver) new ResizeObserver(measure).observe(document.body);
    var pending = document.getElementById("cal-event");
    if (pending) {
      var event = JSON.parse(pending.textContent);
      send(event.type, event.data);
    }
  }

  window.CalendulaFrame = { send: send, measure: measure };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("load", function () { send("__windowLoadComplete", {}); measure(); });
})();
