// ecsim report.html, a sweep's page: each figure against the sweep's axes, a point per cell
// (its mean) with its 95 % interval (already clipped to what the figure can be) and the SLO's
// objective as a dashed line.
"use strict";
(function () {
  var parent = document.querySelector("#sweep-figures .charts");
  ECSIM.DATA.figures.forEach(function (f) {
    // One x for every group: the union of their x values.
    var xs = [];
    f.groups.forEach(function (g) { g.points.forEach(function (p) { if (xs.indexOf(p[0]) < 0) xs.push(p[0]); }); });
    xs.sort(function (a, b) { return a - b; });
    if (!xs.length) return;
    var at = function (g, x) { for (var i = 0; i < g.points.length; i++) if (g.points[i][0] === x) return g.points[i]; return null; };
    var lo = Infinity, hi = -Infinity;
    f.groups.forEach(function (g) { g.points.forEach(function (p) { lo = Math.min(lo, p[2]); hi = Math.max(hi, p[3]); }); });
    if (f.objective != null) { lo = Math.min(lo, f.objective); hi = Math.max(hi, f.objective); }
    var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
    var yMin = Math.max(f.possible[0], lo - pad), yMax = f.possible[1] != null ? Math.min(f.possible[1], hi + pad) : hi + pad;
    if (yMax <= yMin) yMax = yMin + 1;
    var n = f.groups.length;
    // Groups drawn a little apart along x so that their intervals never hide one another.
    var step = xs.length > 1 ? (xs[xs.length - 1] - xs[0]) / (xs.length - 1) : 1;
    var spread = function (gi) { return n > 1 ? (gi - (n - 1) / 2) * step * 0.06 : 0; };

    var box = document.createElement("div");
    box.className = "chart";
    var title = document.createElement("div");
    title.className = "chart-title";
    title.textContent = f.figure + (f.x_axis ? " against " + f.x_axis : "");
    box.appendChild(title);
    parent.appendChild(box);
    var bars = {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, r = devicePixelRatio;
          ctx.save();
          f.groups.forEach(function (g, gi) {
            ctx.strokeStyle = ECSIM.colour(gi);
            ctx.lineWidth = 1.5 * r;
            ctx.fillStyle = ECSIM.colour(gi);
            if (f.x_numeric && g.points.length > 1) {
              // A thin line joins a group's means along a numeric axis.
              ctx.beginPath();
              g.points.forEach(function (p, i) {
                var x = u.valToPos(p[0] + spread(gi), "x", true), y = u.valToPos(p[1], "y", true);
                if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
              });
              ctx.lineWidth = 1 * r;
              ctx.stroke();
              ctx.lineWidth = 1.5 * r;
            }
            g.points.forEach(function (p) {
              var x = u.valToPos(p[0] + spread(gi), "x", true), y0 = u.valToPos(p[2], "y", true), y1 = u.valToPos(p[3], "y", true);
              ctx.beginPath();
              ctx.arc(x, u.valToPos(p[1], "y", true), 3.5 * r, 0, 2 * Math.PI);
              ctx.fill();
              ctx.beginPath();
              ctx.moveTo(x, y0); ctx.lineTo(x, y1);
              ctx.moveTo(x - 4 * r, y0); ctx.lineTo(x + 4 * r, y0);
              ctx.moveTo(x - 4 * r, y1); ctx.lineTo(x + 4 * r, y1);
              ctx.stroke();
            });
          });
          if (f.objective != null) {
            var y = u.valToPos(f.objective, "y", true);
            ctx.strokeStyle = "#c62828";
            ctx.setLineDash([6 * r, 4 * r]);
            ctx.lineWidth = 1.5 * r;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.fillStyle = "#c62828";
            ctx.font = (11 * r) + "px sans-serif";
            ctx.textAlign = "right";
            ctx.fillText("SLO objective " + f.objective, u.bbox.left + u.bbox.width - 4 * r, y - 4 * r);
          }
          ctx.restore();
        }],
      },
    };
    var xValues = f.x_numeric ? null : function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) && f.categories[v] != null ? f.categories[v] : ""; }); };
    new uPlot({
      width: Math.max(320, (parent.clientWidth || 900) - 4),
      height: 260,
      scales: {
        x: { time: false, range: [xs[0] - step * 0.5, xs[xs.length - 1] + step * 0.5] },
        y: { range: [yMin, yMax] },
      },
      axes: [
        { label: f.x_axis || "", labelSize: 20, values: xValues, splits: f.x_numeric ? undefined : function () { return xs; } },
        { label: f.figure, labelSize: 20, size: 70 },
      ],
      series: [{}].concat(f.groups.map(function (g, gi) {
        return {
          label: g.label + " (mean, 95 % CI)",
          stroke: ECSIM.colour(gi),
          width: 0,
          points: { show: false },
          value: function (u, v, si, idx) {
            if (idx == null) return "–";
            var p = at(g, xs[idx]);
            return p ? p[1].toPrecision(6) + " [" + p[2].toPrecision(6) + ", " + p[3].toPrecision(6) + "]" : "–";
          },
        };
      })),
      plugins: [bars],
    }, [xs.map(function (x) { return x; })].concat(f.groups.map(function (g, gi) {
      return xs.map(function (x) { var p = at(g, x); return p ? p[1] : null; });
    })), box);
  });
})();
