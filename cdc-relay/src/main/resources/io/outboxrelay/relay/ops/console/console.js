"use strict";
// The relay's console: polls console/data (the /status document, the charts' samples, the recent events and dead
// letters, never a payload) and shows it.
Common.poll("console/data", function (d) {
  document.title = d.relay_name + " - outbox relay";
  Common.text("name", d.relay_name);
  var state = document.getElementById("state");
  state.textContent = d.state;
  state.className = "state " + String(d.state).toLowerCase();
  Common.text("rate", Common.number(d.events_per_second));
  Common.text("relayed", Common.number(d.events_relayed));
  Common.text("dead", Common.number(d.dead_letters_relayed));
  Common.text("errors", Common.number(d.errors));
  Common.text("lag", Common.seconds(d.lag_seconds));
  Common.text("age", Common.seconds(d.last_event_age_seconds));
  Common.text("wal", Common.bytes(d.wal_retained_bytes));
  Common.text("guarantee", d.delivery_guarantee);
  var h = d.history;
  Common.chart(document.getElementById("chart-rate"), h.t, h.events_per_second, Common.number);
  Common.chart(document.getElementById("chart-lag"), h.t, h.lag_seconds, Common.seconds);
  Common.chart(document.getElementById("chart-wal"), h.t, h.wal_retained_bytes, Common.bytes);
  Common.chart(document.getElementById("chart-slot"), h.t, h.slot_lag_bytes, Common.bytes);
  Common.rows(document.getElementById("events"), d.recent_events, [
    function (e) { return Common.time(e.committed_at); },
    function (e) { return e.topic; },
    function (e) { return e.key; },
    function (e) { return e.event_type; }
  ], "no event relayed since the relay started");
  Common.rows(document.getElementById("dead-letters"), d.recent_dead_letters, [
    function (e) { return Common.time(e.committed_at); },
    function (e) { return e.source; },
    function (e) { return e.reason; },
    function (e) { return e.event_id; }
  ], "no dead letter since the relay started");
});
