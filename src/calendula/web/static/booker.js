/* Calendula booker: the same page without reloads. Reads the data the server rendered, asks
   /v2/slots for other months, zones and durations, and shows the form in place. Without this
   script every choice is a link and the form a plain POST. Served by Calendula itself. */
(function () {
  "use strict";
  var dataElement = document.getElementById("booker-data");
  if (!dataElement) return;
  var state = JSON.parse(dataElement.textContent);
  var root = document.documentElement;
  root.classList.add("js");
  var booker = document.querySelector(".booker");
  var pick = document.getElementById("pick");
  var book = document.getElementById("book");
  var grid = booker.querySelector("[data-grid]");
  var times = booker.querySelector("[data-times]");
  var timesTitle = document.getElementById("times-title");
  var monthTitle = document.getElementById("month-title");
  var zoneSelect = booker.querySelector("[data-zone]");
  var form = booker.querySelector("[data-book-form]");
  var slots = state.slots;
  var request = 0;

  function utcIso(date) { return date.toISOString().replace(/\.\d{3}Z$/, "Z"); }
  function dayDate(key) { return new Date(key + "T12:00:00Z"); }
  function formatTime(iso) {
    var text = new Intl.DateTimeFormat(state.hour12 ? "en-US" : "en-GB", {
      timeZone: state.timeZone, hour: state.hour12 ? "numeric" : "2-digit", minute: "2-digit", hour12: state.hour12
    }).format(new Date(iso));
    return state.hour12 ? text.toLowerCase() : text;
  }
  function formatDay(key) {
    var d = dayDate(key);
    var weekday = new Intl.DateTimeFormat("en-GB", { weekday: "long", timeZone: "UTC" }).format(d);
    var rest = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(d);
    return weekday + ", " + rest;
  }
  function formatMonth(month) {
    return new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }).format(dayDate(month + "-01"));
  }
  function shiftMonth(month, by) {
    var d = dayDate(month + "-01");
    d.setUTCMonth(d.getUTCMonth() + by);
    return d.toISOString().slice(0, 7);
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function syncUrl() {
    var params = new URLSearchParams(location.search);
    params.set("month", state.month);
    if (state.date) params.set("date", state.date); else params.delete("date");
    params.set("timeZone", state.timeZone);
    params.set("duration", String(state.duration));
    params.set("timeFormat", state.hour12 ? "12" : "24");
    if (state.slot) params.set("slot", state.slot); else params.delete("slot");
    history.replaceState(null, "", location.pathname + "?" + params.toString());
    form.querySelector("[data-zone-input]").value = state.timeZone;
    form.querySelector("[data-duration-input]").value = String(state.duration);
    form.querySelector("[data-format-input]").value = state.hour12 ? "12" : "24";
  }

  function renderGrid() {
    monthTitle.textContent = formatMonth(state.month);
    var first = dayDate(state.month + "-01");
    var offset = (first.getUTCDay() + 6 - state.weekStart) % 7;
    var days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    var rows = [];
    var row = [];
    for (var i = 0; i < offset; i++) row.push(null);
    for (var day = 1; day <= days; day++) {
      row.push(state.month + "-" + (day < 10 ? "0" : "") + day);
      if (row.length === 7) { rows.push(row); row = []; }
    }
    if (row.length) { while (row.length < 7) row.push(null); rows.push(row); }
    grid.textContent = "";
    rows.forEach(function (week) {
      var tr = el("tr");
      week.forEach(function (key) {
        var td = el("td");
        if (key) {
          var number = String(Number(key.slice(8)));
          var cell = slots[key]
            ? el("a", { "class": "day available", href: "?date=" + key, "data-date": key, "aria-label": formatDay(key) + ", times available" }, number)
            : el("span", { "class": "day", "data-date": key }, number);
          if (key === state.date && slots[key]) cell.setAttribute("aria-current", "date");
          td.appendChild(cell);
        }
        tr.appendChild(td);
      });
      grid.appendChild(tr);
    });
  }

  function renderTimes() {
    var list = state.date ? slots[state.date] || [] : [];
    timesTitle.textContent = state.date ? formatDay(state.date) : "No times this month";
    times.textContent = "";
    list.forEach(function (iso) {
      var li = el("li");
      li.appendChild(el("a", { "class": "time", href: "?slot=" + iso, "data-slot": iso }, formatTime(iso)));
      times.appendChild(li);
    });
    var empty = booker.querySelector("[data-empty]");
    if (empty) empty.hidden = list.length > 0;
    if (!list.length && !empty) {
      empty = el("p", { "class": "muted empty", "data-empty": "" }, "No free times this month: try the next one.");
      times.parentNode.appendChild(empty);
    }
  }

  function load() {
    var mine = ++request;
    var start = dayDate(state.month + "-01");
    start.setUTCDate(start.getUTCDate() - 1);
    var end = dayDate(shiftMonth(state.month, 1) + "-01");
    end.setUTCDate(end.getUTCDate() + 1);
    var params = new URLSearchParams({
      eventTypeId: String(state.eventTypeId), start: start.toISOString().slice(0, 10),
      end: end.toISOString().slice(0, 10), timeZone: state.timeZone, duration: String(state.duration)
    });
    if (state.rescheduleUid) params.set("bookingUidToReschedule", state.rescheduleUid);
    if (state.usernames) { params.delete("eventTypeId"); params.set("usernames", state.usernames); }
    booker.setAttribute("aria-busy", "true");
    return fetch("/v2/slots?" + params.toString(), { headers: { "cal-api-version": "2024-09-04" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (mine !== request) return;
        slots = {};
        Object.keys(body.data || {}).forEach(function (key) {
          if (key.slice(0, 7) !== state.month) return;
          slots[key] = body.data[key].map(function (slot) { return utcIso(new Date(slot.start)); });
        });
        if (!state.date || !slots[state.date]) state.date = Object.keys(slots).sort()[0] || null;
        renderGrid();
        renderTimes();
        syncUrl();
      })
      .finally(function () { if (mine === request) booker.removeAttribute("aria-busy"); });
  }

  function choose(iso) {
    state.slot = iso;
    form.querySelector("[data-slot-input]").value = iso;
    form.querySelector("[data-summary]").textContent =
      formatDay(state.date) + ", " + formatTime(iso) + " (" + state.timeZone + ")";
    pick.hidden = true;
    book.hidden = false;
    syncUrl();
    var input = form.querySelector("input:not([type=hidden]), textarea, select");
    (input || form.querySelector("[data-submit]")).focus();
    if (window.CalendulaFrame) window.CalendulaFrame.measure();
  }

  function back() {
    state.slot = null;
    book.hidden = true;
    pick.hidden = false;
    syncUrl();
    renderTimes();
    var first = times.querySelector("a");
    (first || grid.querySelector("a") || monthTitle).focus();
  }

  booker.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || !booker.contains(link)) return;
    if (link.hasAttribute("data-slot")) {
      event.preventDefault();
      choose(link.getAttribute("data-slot"));
    } else if (link.hasAttribute("data-date") && link.classList.contains("available")) {
      event.preventDefault();
      state.date = link.getAttribute("data-date");
      renderGrid();
      renderTimes();
      syncUrl();
      var again = grid.querySelector('[data-date="' + state.date + '"]');
      if (again) again.focus();
    } else if (link.hasAttribute("data-month")) {
      event.preventDefault();
      state.month = link.getAttribute("data-month");
      state.date = null;
      var current = new Date().toISOString().slice(0, 7);
      booker.querySelectorAll("[data-month]").forEach(function (a) {
        var by = a.getAttribute("aria-label") === "Previous month" ? -1 : 1;
        a.setAttribute("data-month", shiftMonth(state.month, by));
        a.hidden = by < 0 && state.month <= current;
      });
      load();
    } else if (link.hasAttribute("data-format")) {
      event.preventDefault();
      state.hour12 = link.getAttribute("data-format") === "12";
      booker.querySelectorAll("[data-format]").forEach(function (a) {
        if (a === link) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
      });
      renderTimes();
      syncUrl();
    } else if (link.hasAttribute("data-duration")) {
      event.preventDefault();
      state.duration = Number(link.getAttribute("data-duration"));
      booker.querySelectorAll("[data-duration-text]").forEach(function (span) {
        span.textContent = String(state.duration);
      });
      booker.querySelectorAll("[data-duration]").forEach(function (a) {
        if (a === link) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
      });
      load();
    } else if (link.hasAttribute("data-back")) {
      event.preventDefault();
      back();
    }
  });

  if (zoneSelect) {
    zoneSelect.addEventListener("change", function () {
      state.timeZone = zoneSelect.value;
      load();
    });
  }
  form.addEventListener("submit", function () {
    var button = form.querySelector("[data-submit]");
    setTimeout(function () { button.disabled = true; }, 0);
  });

  state.slot = form.querySelector("[data-slot-input]").value || null;
  var alert = booker.querySelector("[data-focus]");
  if (alert) alert.focus();
  var asked = new URLSearchParams(location.search).get("timeZone");
  var visitor = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!asked && visitor && visitor !== state.timeZone && zoneSelect) {
    var known = Array.prototype.some.call(zoneSelect.options, function (o) { return o.value === visitor; });
    if (known && !state.slot) {
      state.timeZone = visitor;
      zoneSelect.value = visitor;
      load();
    }
  }
})();
