/* Calendula embed.js: Cal.com's embed snippet API, so a site switches by changing the origin.
   Cal("init", [namespace], {origin}); Cal("inline", {elementOrSelector, calLink, config});
   Cal("floatingButton", {calLink, buttonText, buttonPosition, buttonColor, buttonTextColor, config});
   Cal("modal", {calLink, config}); elements with data-cal-link (data-cal-namespace, data-cal-config);
   Cal("ui", {theme, styles, hideEventTypeDetails, layout}); Cal("on"|"off", {action, callback});
   Cal("preload"|"prerender", ...) are accepted. Events arrive as CAL postMessages from the iframe
   (/{calLink}/embed?embed=<namespace>) and are re-dispatched as window CustomEvents named
   "CAL:<namespace>:<type>". Served by Calendula itself; no other requests. */
(function () {
  "use strict";
  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var Cal = window.Cal;
  if (!Cal) {
    Cal = window.Cal = function () { Cal.q.push(arguments); };
    Cal.q = [];
  }
  if (Cal.__calendula) return;
  Cal.__calendula = true;
  Cal.ns = Cal.ns || {};
  Cal.loaded = true;
  var spaces = {};

  function space(name) {
    name = name || "";
    if (!spaces[name]) {
      spaces[name] = { name: name, origin: scriptOrigin, ui: {}, listeners: [], frames: [] };
    }
    return spaces[name];
  }

  function frameUrl(ns, calLink, config) {
    var url = new URL(ns.origin.replace(/\/$/, "") + "/" + String(calLink).replace(/^\//, "") + "/embed");
    url.searchParams.set("embed", ns.name);
    var merged = {};
    if (ns.ui.theme) merged.theme = ns.ui.theme;
    if (ns.ui.hideEventTypeDetails) merged.hideEventTypeDetails = "true";
    if (ns.ui.layout) merged.layout = ns.ui.layout;
    Object.keys(config || {}).forEach(function (k) { merged[k] = config[k]; });
    Object.keys(merged).forEach(function (k) {
      var v = merged[k];
      if (Array.isArray(v)) v.forEach(function (item) { url.searchParams.append(k, String(item)); });
      else if (v !== undefined && v !== null && typeof v !== "object") url.searchParams.set(k, String(v));
    });
    return url.toString();
  }

  function makeFrame(ns, calLink, config) {
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl(ns, calLink, config);
    iframe.title = "Book a meeting";
    iframe.setAttribute("allow", "payment");
    iframe.style.cssText = "width:100%;height:320px;border:0;display:block;color-scheme:normal;";
    iframe.__calNamespace = ns.name;
    ns.frames.push(iframe);
    return iframe;
  }

  function emit(ns, message) {
    var detail = { type: message.type, namespace: ns.name, fullType: message.fullType, data: message.data };
    ns.listeners.slice().forEach(function (entry) {
      if (entry.action === "*" || entry.action === message.type) {
        try { entry.callback({ detail: detail }); } catch (error) { setTimeout(function () { throw error; }); }
      }
    });
    window.dispatchEvent(new CustomEvent(message.fullType, { detail: detail }));
  }

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (!message || message.originator !== "CAL" || typeof message.fullType !== "string") return;
    var frame = null;
    Object.keys(spaces).forEach(function (name) {
      spaces[name].frames.forEach(function (f) { if (f.contentWindow === event.source) frame = f; });
    });
    if (!frame || new URL(frame.src).origin !== event.origin) return;
    var ns = space(frame.__calNamespace);
    if (message.type === "__dimensionChanged" && message.data && message.data.iframeHeight > 0) {
      frame.style.height = Math.ceil(message.data.iframeHeight) + "px";
    }
    if (message.type === "__iframeReady") {
      frame.contentWindow.postMessage({ originator: "CAL", method: "parentKnowsIframeReady", arg: {} }, event.origin);
      if (Object.keys(ns.ui).length) {
        frame.contentWindow.postMessage({ originator: "CAL", method: "ui", arg: ns.ui }, event.origin);
      }
    }
    emit(ns, message);
  });

  function target(selector) {
    return typeof selector === "string" ? document.querySelector(selector) : selector;
  }

  var modal = null;
  function closeModal() {
    if (!modal) return;
    modal.overlay.remove();
    var ns = space(modal.ns);
    ns.frames = ns.frames.filter(function (f) { return f !== modal.frame; });
    if (modal.opener && modal.opener.focus) modal.opener.focus();
    document.removeEventListener("keydown", modal.onKey);
    modal = null;
  }

  function openModal(ns, calLink, config) {
    closeModal();
    var overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Book a meeting");
    overlay.setAttribute("data-cal-modal", ns.name);
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483000;background:rgba(15,17,21,.6);" +
      "display:flex;align-items:flex-start;justify-content:center;overflow:auto;padding:4vh 12px;";
    var box = document.createElement("div");
    box.style.cssText = "position:relative;width:100%;max-width:1000px;background:transparent;";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "position:absolute;top:-10px;right:-6px;width:36px;height:36px;border-radius:50%;" +
      "border:0;background:#fff;color:#111;font-size:22px;cursor:pointer;z-index:1;";
    close.addEventListener("click", closeModal);
    var frame = makeFrame(ns, calLink, config);
    box.appendChild(close);
    box.appendChild(frame);
    overlay.appendChild(box);
    overlay.addEventListener("click", function (event) { if (event.target === overlay) closeModal(); });
    var onKey = function (event) { if (event.key === "Escape") closeModal(); };
    document.addEventListener("keydown", onKey);
    modal = { overlay: overlay, frame: frame, ns: ns.name, opener: document.activeElement, onKey: onKey };
    document.body.appendChild(overlay);
    close.focus();
  }

  function floatingButton(ns, arg) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = arg.buttonText || "Book my Cal";
    button.setAttribute("data-cal-floating", ns.name);
    var side = arg.buttonPosition === "bottom-left" ? "left:20px;" : "right:20px;";
    button.style.cssText = "position:fixed;bottom:20px;" + side + "z-index:2147482999;border:0;" +
      "border-radius:999px;padding:14px 20px;font:600 16px system-ui,sans-serif;cursor:pointer;" +
      "box-shadow:0 4px 14px rgba(0,0,0,.2);background:" + safeColour(arg.buttonColor, "#111827") +
      ";color:" + safeColour(arg.buttonTextColor, "#ffffff") + ";";
    Object.keys(arg.attributes || {}).forEach(function (k) { button.setAttribute(k, arg.attributes[k]); });
    button.addEventListener("click", function () { openModal(ns, arg.calLink, arg.config); });
    document.body.appendChild(button);
  }

  function safeColour(value, fallback) {
    return typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value) ? value : fallback;
  }

  function run(ns, args) {
    var method = args[0];
    var arg = args[1] || {};
    if (method === "init") {
      if (typeof arg === "string") { ns = space(arg); arg = args[2] || {}; }
      if (arg.origin) ns.origin = String(arg.origin).replace(/\/$/, "");
    } else if (method === "initNamespace") {
      space(arg);
    } else if (method === "inline") {
      var element = target(arg.elementOrSelector);
      if (!element) return;
      element.appendChild(makeFrame(ns, arg.calLink, arg.config));
    } else if (method === "modal") {
      openModal(ns, arg.calLink, arg.config);
    } else if (method === "floatingButton") {
      floatingButton(ns, arg);
    } else if (method === "ui") {
      Object.keys(arg).forEach(function (k) { ns.ui[k] = arg[k]; });
      ns.frames.forEach(function (f) {
        if (f.contentWindow) f.contentWindow.postMessage({ originator: "CAL", method: "ui", arg: arg }, new URL(f.src).origin);
      });
    } else if (method === "on") {
      if (typeof arg.callback === "function") ns.listeners.push({ action: arg.action, callback: arg.callback });
    } else if (method === "off") {
      ns.listeners = ns.listeners.filter(function (e) { return !(e.action === arg.action && e.callback === arg.callback); });
    }
  }

  function drain(queue, ns) {
    var pending = Array.prototype.slice.call(queue || []);
    queue.length = 0;
    pending.forEach(function (args) { run(ns(args), Array.prototype.slice.call(args)); });
    queue.push = function (args) { run(ns(args), Array.prototype.slice.call(args)); return 0; };
  }

  function bindNamespace(name) {
    var api = Cal.ns[name];
    if (!api || api.__bound) return;
    api.__bound = true;
    api.q = api.q || [];
    drain(api.q, function () { return space(name); });
  }

  Cal.q = Cal.q || [];
  drain(Cal.q, function (args) {
    if (args[0] === "initNamespace") {
      space(args[1]);
      setTimeout(function () { bindNamespace(args[1]); });
    }
    return space("");
  });
  Object.keys(Cal.ns).forEach(bindNamespace);

  document.addEventListener("click", function (event) {
    var element = event.target.closest && event.target.closest("[data-cal-link]");
    if (!element) return;
    event.preventDefault();
    var config = {};
    try { config = JSON.parse(element.getAttribute("data-cal-config") || "{}"); } catch (error) { config = {}; }
    openModal(space(element.getAttribute("data-cal-namespace") || ""), element.getAttribute("data-cal-link"), config);
  });
})();
