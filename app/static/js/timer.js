/* The timer in the top bar: the elapsed time ticks every second, and the bar asks the
   server (every 15 s, and when the tab comes back into view) whether a timer was started or
   stopped elsewhere (another tab, another device), then shows what the server says. The bar
   has two forms: the full one in the menu (#timer-bar, wide screens) and the compact one
   beside the menu button (#timer-mini, phones and tablets); both follow the same poll. */
(function () {
  "use strict";
  var bar = document.getElementById("timer-bar");
  var mini = document.getElementById("timer-mini");
  if (!bar || !window.fetch) { return; }
  var url = bar.getAttribute("data-timer-url");
  var offset = 0; // server clock minus this device's clock, in ms

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    [bar, mini].forEach(function (place) {
      var el = place && place.querySelector("[data-timer-started]");
      if (!el) { return; }
      var started = Date.parse(el.getAttribute("data-timer-started"));
      if (isNaN(started)) { return; }
      var s = Math.max(0, Math.floor((Date.now() + offset - started) / 1000));
      var text = Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      // The reader's digits: Arabic pages use Arabic-Indic digits, as the server writes them.
      if (document.documentElement.lang === "ar") {
        text = text.replace(/\d/g, function (d) { return "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669".charAt(+d); });
      }
      el.textContent = text;
    });
  }

  function currentId() {
    var running = bar.querySelector("[data-entry-id]");
    return running ? running.getAttribute("data-entry-id") : null;
  }

  function poll() {
    var next = encodeURIComponent(window.location.pathname + window.location.search);
    fetch(url + "?next=" + next, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var id = data.entry_id === null ? null : String(data.entry_id);
        if (id !== currentId()) {
          bar.innerHTML = data.html;
          if (mini) { mini.innerHTML = data.mini_html; }
        }
        var el = bar.querySelector("[data-timer-started]");
        if (el && data.elapsed_seconds !== null) {
          offset = Date.parse(el.getAttribute("data-timer-started")) + data.elapsed_seconds * 1000 - Date.now();
        }
        tick();
      })
      .catch(function () { /* offline: try again at the next poll */ });
  }

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(poll, 15000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { poll(); }
  });
})();
