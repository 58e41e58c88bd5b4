// DealNest Partners: small enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";

  // Lets styles (and tests) tell a page with JavaScript from one without.
  document.documentElement.classList.add("js");

  // The same words and thresholds as the server (src/web/pages/time.rs), so a page left open
  // keeps saying "5 minutes ago" truthfully.
  function relative(ageMs) {
    var s = Math.floor(Math.max(ageMs, 0) / 1000);
    var minutes = Math.floor((s + 30) / 60);
    var hours = Math.floor((minutes + 30) / 60);
    var days = Math.floor((hours + 12) / 24);
    if (s < 45) return "just now";
    if (s < 90) return "a minute ago";
    if (s < 45 * 60) return minutes + " minutes ago";
    if (s < 90 * 60) return "an hour ago";
    if (s < 22 * 3600) return hours + " hours ago";
    if (s < 36 * 3600) return "yesterday";
    if (s < 26 * 86400) return days + " days ago";
    if (s < 45 * 86400) return "a month ago";
    if (s < 320 * 86400) return Math.floor((days + 15) / 30) + " months ago";
    if (s < 548 * 86400) return "a year ago";
    return Math.floor((days + 182) / 365) + " years ago";
  }

  function refreshTimes() {
    var now = Date.now();
    // Times to come (an expiry, a cooldown's end) keep the server's words.
    document.querySelectorAll("time[datetime]:not([data-ahead])").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      var words = relative(now - at);
      if (el.textContent !== words) el.textContent = words;
    });
  }

  // Puts a message in the polite live region at the top of the page.
  function announce(text) {
    var region = document.getElementById("status");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    region.replaceChildren(p);
  }

  setInterval(refreshTimes, 30000);

  // Live updates: the server pushes an event (server-sent events on /events) when someone else's
  // action changed something for this user, and the dashboard fetches what changed at once. The
  // poller's slow timer (see partials/live.html) remains for browsers without EventSource.
  var LIVE_EVENTS = ["request_received", "request_answered", "partnership_ended", "notification", "resync"];
  if (window.EventSource && document.getElementById("live")) {
    var source = new EventSource("/events");
    var refresh = function () {
      var live = document.getElementById("live");
      if (live && window.htmx) window.htmx.trigger(live, "dn-live");
    };
    LIVE_EVENTS.forEach(function (name) {
      source.addEventListener(name, refresh);
    });
    // After a dropped connection the browser reconnects by itself; catch up on what was missed.
    source.addEventListener("open", function () {
      if (source.dn_opened) refresh();
      source.dn_opened = true;
    });
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  // An action replaces the row it came from, and the button that had focus with it. Afterwards
  // focus goes to the row's new main action when the row is still there, else to the heading of
  // its section, so keyboard users are not sent back to the top of the page.
  var origin = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    // Only a person's action (a form); not searching, paging, polling or self-refreshing.
    if (elt.tagName !== "FORM" || elt.matches("[role=search]")) return;
    var row = elt.closest("li[id]");
    var section = elt.closest("section[id]");
    origin = { row: row && row.id, section: section && section.id };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!origin) return;
    var from = origin;
    origin = null;
    var active = document.activeElement;
    if (active && active !== document.body && document.body.contains(active)) return;
    var next = from.row && document.getElementById(from.row + "-primary");
    if (!next && from.section) {
      var section = document.getElementById(from.section);
      next = section && section.querySelector("h2");
    }
    if (next) next.focus();
  });

  // The search results refresh themselves after an action elsewhere; not while someone is
  // typing a message in one of them, which the refresh would throw away.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    if (!detail.triggeringEvent || detail.triggeringEvent.type !== "dn-relations-changed") return;
    var active = document.activeElement;
    if (active && active.tagName === "INPUT" && active.value && detail.elt.contains(active)) {
      event.preventDefault();
    }
  });

  // "Select all shown" checks or clears every row checkbox of its list's bulk form.
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("input[data-select-all]")) return;
    var form = all.getAttribute("data-select-all");
    document.querySelectorAll('input.bulk-select[form="' + form + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });

  // htmx says nothing when the server cannot be reached; people should hear about it.
  document.addEventListener("htmx:sendError", function () {
    announce("DealNest could not be reached. Check your connection and try again.");
  });
})();
