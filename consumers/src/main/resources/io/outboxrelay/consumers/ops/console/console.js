"use strict";
// The consumers' console: polls console/data (the /status document, PENDING payments, the charts' samples and the
// relays to show alongside) and shows it. Never a payload.
(function () {
  var framed = "";

  // each relay's own console page, framed once (it polls its own endpoint)
  function relays(list) {
    var key = list.map(function (r) { return r.name + " " + r.url; }).join("\n");
    if (key === framed) { return; }
    framed = key;
    var side = document.getElementById("relays");
    while (side.firstChild) { side.removeChild(side.firstChild); }
    list.forEach(function (r) {
      var frame = document.createElement("iframe");
      frame.title = r.name;
      frame.src = r.url;
      side.appendChild(frame);
    });
    document.getElementById("relays-section").hidden = list.length === 0;
  }

  Common.poll("console/data", function (d) {
    var groups = Object.keys(d.consumers).map(function (name) {
      var g = d.consumers[name];
      g.group = name;
      return g;
    });
    var partitions = [], lag = 0, lagKnown = true, lagSeconds = 0, dead = 0;
    groups.forEach(function (g) {
      g.partitions.forEach(function (p) {
        p.group = g.group;
        partitions.push(p);
      });
      if (g.lag_events === null) { lagKnown = false; } else { lag += g.lag_events; }
      lagSeconds = Math.max(lagSeconds, g.lag_seconds);
      dead += g.dead_letters;
    });
    var state = document.getElementById("state");
    state.textContent = !d.live ? "FAILED" : d.ready ? "RUNNING" : "NOT READY";
    state.className = "state " + (!d.live ? "failed" : d.ready ? "running" : "starting");
    var h = d.history;
    Common.text("rate", Common.number(h.events_per_second.length ? h.events_per_second[h.events_per_second.length - 1] : 0));
    Common.text("lag", lagKnown ? Common.number(lag) : "unknown");
    Common.text("lag-seconds", Common.seconds(lagSeconds));
    Common.text("dead", Common.number(dead));
    Common.text("pending", d.payments_pending === null ? "not polled" : Common.number(d.payments_pending));
    Common.text("pending-age", d.payments_pending_oldest_age_seconds === null ? "not polled"
        : Common.seconds(d.payments_pending_oldest_age_seconds));
    Common.chart(document.getElementById("chart-rate"), h.t, h.events_per_second, Common.number);
    Common.chart(document.getElementById("chart-lag"), h.t, h.lag_events, Common.number);
    Common.chart(document.getElementById("chart-lag-seconds"), h.t, h.lag_seconds, Common.seconds);
    Common.rows(document.getElementById("groups"), groups, [
      function (g) { return g.group; },
      function (g) { return g.state; },
      function (g) { return g.partitions.length; },
      function (g) { return g.lag_events === null ? "unknown" : Common.number(g.lag_events); },
      function (g) { return Common.number(g.lag_seconds); },
      function (g) { return Common.number(g.events); },
      function (g) { return Common.number(g.dead_letters); }
    ], "no consumers");
    Common.rows(document.getElementById("partitions"), partitions, [
      function (p) { return p.group; },
      function (p) { return p.topic; },
      function (p) { return p.partition; },
      function (p) { return p.lag_events === null ? "unknown" : Common.number(p.lag_events); },
      function (p) { return Common.number(p.lag_seconds); }
    ], "no partitions assigned");
    relays(d.relays);
  });
})();
