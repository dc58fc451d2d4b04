"use strict";
// What the relay's and the consumers' console pages share, byte for byte (a unit test compares the two copies):
// line charts drawn in SVG by hand (no library, the pages work offline) and tables filled with textContent only, so
// that nothing an application wrote (a key, an event type, a reason) is ever read as HTML.
var Common = (function () {
  var NS = "http://www.w3.org/2000/svg";
  var WINDOW_MS = 15 * 60 * 1000;

  function svg(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // times: epoch ms, oldest first; values: numbers, or null where unknown. The last 15 minutes before the newest time,
  // or less while there is less (a process that just started).
  function chart(target, times, values, format) {
    var w = 320, h = 120, pad = 4, top = 16, bottom = 18;
    while (target.firstChild) { target.removeChild(target.firstChild); }
    target.setAttribute("viewBox", "0 0 " + w + " " + h);
    var end = times.length ? times[times.length - 1] : Date.now();
    var start = Math.max(end - WINDOW_MS, times.length ? times[0] : end);
    var span = Math.max(end - start, 1000);
    var max = 0, points = 0, last = null, i;
    for (i = 0; i < values.length; i++) {
      if (values[i] !== null && times[i] >= start) {
        max = Math.max(max, values[i]);
        points++;
        last = values[i];
      }
    }
    var scale = max > 0 ? max * 1.1 : 1;
    var d = "", pen = false;
    for (i = 0; i < values.length; i++) {
      if (values[i] === null || times[i] < start) { pen = false; continue; }
      var x = pad + (times[i] - start) / span * (w - 2 * pad);
      var y = h - bottom - values[i] / scale * (h - bottom - top);
      d += (pen ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
      pen = true;
    }
    target.appendChild(svg("line", {x1: pad, y1: h - bottom, x2: w - pad, y2: h - bottom, "class": "axis"}));
    target.appendChild(svg("line", {x1: pad, y1: top, x2: w - pad, y2: top, "class": "grid"}));
    if (d) { target.appendChild(svg("path", {d: d, "class": "line"})); }
    target.appendChild(svg("text", {x: pad, y: top - 4, "class": "label"}, "max " + format(max)));
    target.appendChild(svg("text", {x: w - pad, y: top - 4, "class": "label end"},
        "now " + (last === null ? "unknown" : format(last))));
    var ago = Math.round(span / 1000);
    target.appendChild(svg("text", {x: pad, y: h - 4, "class": "label"},
        ago >= 60 ? Math.round(ago / 60) + " min ago" : ago + " s ago"));
    target.appendChild(svg("text", {x: w - pad, y: h - 4, "class": "label end"}, "now"));
    target.setAttribute("data-points", String(points));
    target.setAttribute("data-max", String(max));
    target.setAttribute("data-last", last === null ? "" : String(last));
  }

  // columns: functions of a row giving the text of each cell
  function rows(tbody, list, columns, empty) {
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    if (!list.length) {
      var none = document.createElement("td");
      none.colSpan = columns.length;
      none.className = "none";
      none.textContent = empty;
      tbody.appendChild(document.createElement("tr")).appendChild(none);
    }
    list.forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (column) {
        var value = column(row);
        tr.appendChild(document.createElement("td")).textContent = value === null || value === undefined ? "" : String(value);
      });
      tbody.appendChild(tr);
    });
  }

  function number(n) {
    if (n === null || n === undefined) { return "unknown"; }
    return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en") : String(Math.round(n * 100) / 100);
  }

  function bytes(n) {
    if (n === null || n === undefined) { return "unknown"; }
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], u = 0;
    while (Math.abs(n) >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return (u === 0 ? String(n) : n.toFixed(1)) + " " + units[u];
  }

  function seconds(n) {
    return n === null || n === undefined ? "unknown" : number(n) + " s";
  }

  // ISO-8601 to "2026-12-04 18:30:05Z"
  function time(iso) {
    return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
  }

  function text(id, value) {
    document.getElementById(id).textContent = value === null || value === undefined ? "unknown" : String(value);
  }

  // polls url every 2 s and gives the JSON to show; a failure is shown on the page, not thrown
  function poll(url, show) {
    var failed = document.getElementById("error");
    function once() {
      fetch(url, {cache: "no-store"}).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        failed.textContent = "";
        show(data);
      }).catch(function (e) {
        failed.textContent = "cannot read " + url + ": " + e.message;
      });
    }
    once();
    setInterval(once, 2000);
  }

  return {chart: chart, rows: rows, number: number, bytes: bytes, seconds: seconds, time: time, text: text, poll: poll};
})();
