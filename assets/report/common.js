// ecsim report.html, shared by every kind of page: the page's data, the shared time cursor
// (a DOM CustomEvent "ecsim:time" with detail {t_s} on document: whoever moves the cursor —
// a chart, a story step, an events row, the cluster's timeline — dispatches it, and everyone
// listens), and the chart helpers over uPlot (stepped series, fault bands, the cursor line).
"use strict";
var ECSIM = (function () {
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var cursorT = null;
  var charts = [];

  // Seconds of simulated time as h:mm:ss.
  function clock(t) {
    if (t == null || !isFinite(t)) return "";
    var s = Math.max(0, Math.floor(t));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
  }

  function setTime(t) {
    document.dispatchEvent(new CustomEvent("ecsim:time", { detail: { t_s: t } }));
  }

  document.addEventListener("ecsim:time", function (e) {
    if (!e.detail || typeof e.detail.t_s !== "number") return;
    cursorT = e.detail.t_s;
    charts.forEach(function (u) { u.redraw(false); });
    var r = document.getElementById("time-readout");
    if (r) { r.textContent = "time cursor " + clock(cursorT); r.style.display = "block"; }
  });

  // Colours distinguishable on a projector; the n-th series gets the n-th.
  var PALETTE = ["#0550ae", "#c2410c", "#1a7f37", "#8250df", "#b35900", "#0e7490", "#be185d", "#4d7c0f", "#6b7280", "#a16207"];
  function colour(i) { return PALETTE[i % PALETTE.length]; }

  // A value held from its x to the next x: a minute's value spans its minute.
  var stepped = uPlot.paths.stepped({ align: 1 });

  // Draws the fault bands (under the series) and the time cursor (over them).
  function overlays(faults) {
    return {
      hooks: {
        drawClear: [function (u) {
          if (!faults || !faults.length) return;
          var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          faults.forEach(function (f) {
            var x0 = u.valToPos(f.start_s, "x", true);
            var x1 = u.valToPos(Math.max(f.end_s, f.start_s), "x", true);
            var x2 = u.valToPos(f.recovered_s != null ? f.recovered_s : u.scales.x.max, "x", true);
            ctx.fillStyle = "rgba(198,40,40,0.10)";
            ctx.fillRect(x0, top, Math.max(x2 - x0, 1), height);
            ctx.fillStyle = "rgba(198,40,40,0.18)";
            ctx.fillRect(x0, top, Math.max(x1 - x0, 2), height);
            ctx.fillStyle = "#c62828";
            ctx.font = (11 * devicePixelRatio) + "px sans-serif";
            ctx.fillText(f.name, x0 + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
          });
          ctx.restore();
        }],
        draw: [function (u) {
          if (cursorT == null) return;
          var x = u.valToPos(cursorT, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d1242f";
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }],
      },
    };
  }

  function width(el) { return Math.max(320, (el.clientWidth || 900) - 4); }

  // A chart over simulated time. `series`: [{label, values, colour, dash, width, fill, value}]
  // `opt`: {title, note, y (axis label), range: [min, max] or null, height, faults, yValues}
  function timeChart(parent, x, series, opt) {
    var box = document.createElement("div");
    box.className = "chart";
    var title = document.createElement("div");
    title.className = "chart-title";
    title.textContent = opt.title;
    box.appendChild(title);
    if (opt.note) {
      var note = document.createElement("div");
      note.className = "chart-note";
      note.textContent = opt.note;
      box.appendChild(note);
    }
    parent.appendChild(box);
    var yScale = { auto: true };
    if (opt.range) yScale = { range: function (u, min, max) {
      var lo = opt.range[0] != null ? opt.range[0] : min, hi = opt.range[1] != null ? opt.range[1] : max;
      if (hi <= lo) hi = lo + 1;
      return [lo, hi];
    } };
    var u = new uPlot({
      width: width(parent),
      height: opt.height || 190,
      cursor: { sync: { key: "ecsim" }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: [x[0], x[x.length - 1]] }, y: yScale },
      axes: [
        { values: function (u, vals) { return vals.map(clock); }, label: "simulated time (h:mm:ss)", labelSize: 20, size: 36 },
        { label: opt.y || "", values: opt.yValues, size: 60, labelSize: 20, splits: opt.ySplits },
      ],
      series: [{ value: function (u, v) { return clock(v); } }].concat(series.map(function (s) {
        return {
          label: s.label,
          stroke: s.colour,
          width: s.width || 1.5,
          dash: s.dash,
          fill: s.fill,
          paths: s.paths === undefined ? stepped : s.paths,
          points: { show: false },
          value: s.value || function (u, v) { return v == null ? "–" : (Math.round(v * 1000) / 1000).toString(); },
        };
      })),
      plugins: [overlays(opt.faults)],
    }, [x].concat(series.map(function (s) { return s.values; })), box);
    u.over.addEventListener("click", function () {
      if (u.cursor.left == null || u.cursor.left < 0) return;
      setTime(u.posToVal(u.cursor.left, "x"));
    });
    charts.push(u);
    return u;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (u) {
      var parent = u.root.parentNode && u.root.parentNode.parentNode;
      if (parent) u.setSize({ width: width(parent), height: u.height });
    });
  });

  // The readout of the time cursor, bottom right.
  var readout = document.createElement("div");
  readout.id = "time-readout";
  document.body.appendChild(readout);

  return { DATA: DATA, clock: clock, setTime: setTime, colour: colour, timeChart: timeChart, stepped: stepped, charts: charts, overlays: overlays,
    cursor: function () { return cursorT; } };
})();
