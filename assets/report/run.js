// ecsim report.html, a run's page: the deployment timelines, the panels over one shared time
// axis, the events table, and the story's steps moving the time cursor.
"use strict";
(function () {
  var D = ECSIM.DATA, P = D.panels, clock = ECSIM.clock;

  // ---- the story: a step moves the time cursor to its time --------------------------------
  document.querySelectorAll("#story li[data-t]").forEach(function (li) {
    var go = function () { ECSIM.setTime(parseFloat(li.getAttribute("data-t"))); };
    li.addEventListener("click", go);
    li.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  });
  document.addEventListener("ecsim:time", function (e) {
    var t = e.detail.t_s, current = null;
    document.querySelectorAll("#story li[data-t]").forEach(function (li) {
      li.classList.remove("current");
      if (parseFloat(li.getAttribute("data-t")) <= t + 1e-6) current = li;
    });
    if (current) current.classList.add("current");
  });

  // ---- deployment timelines ----------------------------------------------------------------
  var STATE_LIGHTNESS = { RUNNING: 42, PENDING: 78, STOPPING: 62 };
  var HUES = [212, 22, 140, 270, 45, 190, 330, 90];
  function stateColour(dep, state) {
    var hue = HUES[dep % HUES.length];
    return "hsl(" + hue + "," + (state === "STOPPING" ? 25 : 65) + "%," + STATE_LIGHTNESS[state] + "%)";
  }
  if (D.deployments && D.deployments.length) {
    var depSection = document.getElementById("deployments");
    depSection.classList.remove("hidden");
    var depCharts = depSection.querySelector(".charts");
    D.deployments.forEach(function (svc) {
      // Stacked: series in stack order (RUNNING, PENDING, STOPPING, each by deployment); the
      // tallest cumulative is drawn first so each lower one paints over it.
      var cum = [], acc = svc.x.map(function () { return 0; });
      svc.series.forEach(function (s) {
        acc = acc.map(function (a, i) { return a + s.values[i]; });
        cum.push({ s: s, values: acc.slice() });
      });
      var series = cum.slice().reverse().map(function (c) {
        var raw = c.s.values, col = stateColour(c.s.deployment, c.s.state);
        return {
          label: (c.s.revision || "deployment " + c.s.deployment) + " (deployment " + c.s.deployment + ") " + c.s.state,
          values: c.values, colour: col, fill: col, width: 0.5,
          value: function (u, v, si, idx) { return idx == null ? "–" : String(raw[idx]); },
        };
      });
      // The bounds are drawn a hair outside their value (fewest healthy 3 % of the axis below,
      // most in flight as much above) and healthy wide under the dashed desired line, so that none of the
      // four hides another where they are equal; the legend shows the exact values.
      var top = 1;
      [acc, svc.max_in_flight, svc.desired].forEach(function (vs) { vs.forEach(function (v) { if (v != null && v > top) top = v; }); });
      var hair = Math.max(0.25, top * 0.03);
      var shifted = function (values, by) { return values.map(function (v) { return v == null ? null : v + by; }); };
      var exact = function (values) { return function (u, v, si, idx) { return idx == null || values[idx] == null ? "–" : String(values[idx]); }; };
      if (svc.min_healthy.length) {
        series.push({ label: "fewest healthy allowed (minimumHealthyPercent)", values: shifted(svc.min_healthy, -hair), colour: "#c62828", dash: [2, 3], width: 2, value: exact(svc.min_healthy) });
        series.push({ label: "most in flight allowed (maximumPercent)", values: shifted(svc.max_in_flight, hair), colour: "#b35900", dash: [2, 3], width: 2, value: exact(svc.max_in_flight) });
      }
      series.push({ label: "healthy (at each minute's end)", values: svc.healthy, colour: "#1a7f37", width: 3.5 });
      series.push({ label: "desired (at each minute's end)", values: svc.desired, colour: "#1f2328", dash: [8, 5], width: 1.5 });
      ECSIM.timeChart(depCharts, svc.x, series, {
        title: "Service " + svc.service + ": tasks by state and revision",
        note: "Stacked areas: tasks RUNNING (dark), PENDING (light), STOPPING (grey), one hue per deployment; lines: healthy (green, wide), desired (dashed) and the rollout's bounds (dotted, drawn just outside their value).",
        y: "tasks", range: [0, null], height: 240, faults: P.faults,
      });
    });
  }

  // ---- panels over one time axis -----------------------------------------------------------
  var panels = document.querySelector("#panels .charts");
  var x = P.x, C = P.cluster;
  function has(col) { return C[col] && C[col].some(function (v) { return v != null && v !== 0; }); }
  function heading(text) {
    var h = document.createElement("h3");
    h.textContent = text;
    panels.appendChild(h);
  }
  var perMinute = "Each value spans its minute.";

  if (P.has_lb) {
    heading("Load balancer");
    ECSIM.timeChart(panels, x, [
      { label: "requests ended in the minute", values: C.requests, colour: ECSIM.colour(0) },
    ], { title: "Requests per minute", note: perMinute, y: "requests", range: [0, null], faults: P.faults });
    ECSIM.timeChart(panels, x, [
      { label: "ELB 5xx (502, 503, 504)", values: C.elb_5xx, colour: "#c62828", width: 2.5 },
      { label: "target 5xx (the application's)", values: C.target_5xx, colour: "#8250df", dash: [6, 4], width: 2 },
      { label: "rejected (full task queue)", values: C.rejected, colour: "#b35900", dash: [2, 3], width: 2 },
    ], { title: "Failed requests per minute", note: perMinute + " Dashed and dotted lines stay visible where they equal another.", y: "requests", range: [0, null], faults: P.faults });
    if (has("availability_pct")) {
      ECSIM.timeChart(panels, x, [
        { label: "availability in the minute (%)", values: C.availability_pct, colour: ECSIM.colour(2) },
      ], { title: "Availability per minute (%)", note: perMinute + " Empty in a minute without requests.", y: "%", range: [null, 100], faults: P.faults });
    }
    ECSIM.timeChart(panels, x, [
      { label: "p50 (ms)", values: C.latency_ms_p50, colour: ECSIM.colour(0) },
      { label: "p99 (ms)", values: C.latency_ms_p99, colour: ECSIM.colour(1), width: 2 },
    ], { title: "Response time (TargetResponseTime, ms)", note: perMinute, y: "ms", range: [0, null], faults: P.faults });
    ECSIM.timeChart(panels, x, [
      { label: "healthy targets (mean over the minute)", values: C.healthy_targets, colour: ECSIM.colour(2), width: 2.5 },
      { label: "healthy targets (fewest in the minute)", values: C.healthy_targets_min, colour: "#1f2328", dash: [6, 4], width: 1.5 },
    ], { title: "Healthy targets", note: perMinute, y: "targets", range: [0, null], faults: P.faults });
  }

  if (P.services.length || P.alarms.length) heading("Scaling");
  if (P.services.length) {
    var svcSeries = [];
    P.services.forEach(function (s, i) {
      svcSeries.push({ label: s.name + " desired", values: s.desired, colour: ECSIM.colour(i), dash: [8, 5], width: 2.5 });
      svcSeries.push({ label: s.name + " running", values: s.running, colour: ECSIM.colour(i), width: 1.5 });
    });
    ECSIM.timeChart(panels, x, svcSeries, {
      title: "Tasks per service: desired (dashed) and running (solid)",
      note: "At each minute's end (services.csv), drawn across the minute. Where they are equal, the solid line shows through the dashes.",
      y: "tasks", range: [0, null], faults: P.faults,
    });
  }
  if (P.alarms.length) {
    // Each alarm's state as a level (OK 0, INSUFFICIENT_DATA 1, ALARM 2), the n-th alarm
    // raised by n × 0.12 so that alarms in the same state never hide one another.
    var LEVEL = { OK: 0, INSUFFICIENT_DATA: 1, ALARM: 2 };
    var times = [x[0]];
    P.alarms.forEach(function (a) { a.changes.forEach(function (c) { times.push(c[0]); }); });
    times.push(x[x.length - 1]);
    times = times.filter(function (t, i, all) { return all.indexOf(t) === i; }).sort(function (a, b) { return a - b; });
    var alarmSeries = P.alarms.map(function (a, i) {
      var offset = i * 0.12;
      var values = times.map(function (t) {
        var state = a.initial;
        a.changes.forEach(function (c) { if (c[0] <= t) state = c[1]; });
        return (LEVEL[state] != null ? LEVEL[state] : 1) + offset;
      });
      return { label: a.name, values: values, colour: ECSIM.colour(i), width: 2,
        value: function (u, v) { if (v == null) return "–"; var l = Math.round(v - offset); return l === 2 ? "ALARM" : l === 0 ? "OK" : "INSUFFICIENT_DATA"; } };
    });
    ECSIM.timeChart(panels, times, alarmSeries, {
      title: "Alarm states, by alarm name",
      note: "Each alarm steps between OK, INSUFFICIENT_DATA and ALARM at the times of alarms.csv; alarms are drawn a little apart so none hides another.",
      y: "state", range: [-0.2, 2.2 + 0.12 * P.alarms.length], height: 150 + 14 * P.alarms.length,
      ySplits: function () { return [0, 1, 2]; },
      yValues: function (u, vals) { return vals.map(function (v) { return v === 0 ? "OK" : v === 1 ? "INSUFF." : v === 2 ? "ALARM" : ""; }); },
      faults: P.faults,
    });
  }

  heading("Capacity");
  var zones = Object.keys(P.zones);
  // Zones often hold as many instances as each other: the first solid and wide, the next ones
  // narrower and dashed on top of it, so that equal lines all stay visible.
  var DASHES = [undefined, [12, 6], [3, 3], [8, 3, 2, 3], [16, 4]];
  var capSeries = zones.map(function (z, i) {
    return { label: z, values: P.zones[z].instances, colour: ECSIM.colour(i), width: Math.max(1.5, 4.5 - 1.2 * i), dash: DASHES[i % DASHES.length] };
  });
  capSeries.push({ label: "cluster", values: C.instances, colour: "#1f2328", dash: [8, 5], width: 2 });
  ECSIM.timeChart(panels, x, capSeries, { title: "Container instances per zone", note: "At each minute's end, drawn across the minute.", y: "instances", range: [0, null], faults: P.faults });
  ECSIM.timeChart(panels, x, [
    { label: "CPU reserved (%)", values: C.cpu_reservation_pct, colour: ECSIM.colour(0), width: 2 },
    { label: "memory reserved (%)", values: C.memory_reservation_pct, colour: ECSIM.colour(1), dash: [6, 4], width: 2 },
  ], { title: "Cluster reservation (% of registered CPU and memory)", note: perMinute + " Time-weighted mean over the minute.", y: "%", range: [0, 100], faults: P.faults });
  if (has("running_tasks") || has("pending_tasks")) {
    ECSIM.timeChart(panels, x, [
      { label: "running tasks", values: C.running_tasks, colour: ECSIM.colour(2), width: 2 },
      { label: "pending tasks", values: C.pending_tasks, colour: ECSIM.colour(4), dash: [6, 4], width: 2 },
      { label: "tasks refused in the minute", values: C.tasks_failed, colour: "#c62828", dash: [2, 3], width: 2 },
    ], { title: "Tasks in the cluster", note: "Running and pending at each minute's end; refused during the minute.", y: "tasks", range: [0, null], faults: P.faults });
  }
  if (C.cost_usd_cumulative) {
    heading("Cost");
    ECSIM.timeChart(panels, x, [
      { label: "cost so far (USD)", values: C.cost_usd_cumulative, colour: ECSIM.colour(3), width: 2,
        value: function (u, v) { return v == null ? "–" : "$" + v.toFixed(4); } },
    ], { title: "Cost so far (USD, EC2 + Fargate)", note: "What the run had cost at each minute's end.", y: "USD", range: [0, null], faults: P.faults });
  }

  // ---- the events table --------------------------------------------------------------------
  var E = D.events, tbody = document.querySelector("#events tbody");
  var text = document.getElementById("event-text"), kind = document.getElementById("event-kind");
  var count = document.getElementById("event-count"), kinds = document.querySelector("#events .kinds");
  var PAGE = 500, limit = PAGE, matching = [];
  Object.keys(E.kinds).forEach(function (k) {
    var o = document.createElement("option");
    o.value = k;
    o.textContent = k + " (" + E.kinds[k] + ")";
    kind.appendChild(o);
    var chip = document.createElement("span");
    chip.textContent = k + " " + E.kinds[k];
    kinds.appendChild(chip);
  });
  if (E.shown < E.total) {
    var warn = document.createElement("span");
    warn.textContent = "— the table holds the first " + E.shown + " of " + E.total + " events; the counts cover them all.";
    kinds.appendChild(warn);
  }
  // Columns: 0 time_s, then E.columns (time, event, task, group, instance, zone, reason, detail).
  function render() {
    var q = text.value.trim().toLowerCase(), k = kind.value;
    matching = E.rows.filter(function (r) {
      if (k && r[2] !== k) return false;
      if (!q) return true;
      for (var i = 1; i < r.length; i++) if (String(r[i]).toLowerCase().indexOf(q) >= 0) return true;
      return false;
    });
    var html = document.createDocumentFragment();
    matching.slice(0, limit).forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-t", r[0]);
      [r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]].forEach(function (c) {
        var td = document.createElement("td");
        td.textContent = c;
        tr.appendChild(td);
      });
      html.appendChild(tr);
    });
    tbody.textContent = "";
    tbody.appendChild(html);
    if (matching.length > limit) {
      var tr = document.createElement("tr"), td = document.createElement("td"), b = document.createElement("button");
      td.colSpan = 8;
      b.className = "more";
      b.textContent = "show " + Math.min(PAGE, matching.length - limit) + " more of " + (matching.length - limit);
      b.addEventListener("click", function (e) { e.stopPropagation(); limit += PAGE; render(); });
      td.appendChild(b);
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    count.textContent = matching.length + " of " + E.rows.length + " rows";
  }
  var pending = null;
  text.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(function () { limit = PAGE; render(); }, 150); });
  kind.addEventListener("change", function () { limit = PAGE; render(); });
  tbody.addEventListener("click", function (e) {
    var tr = e.target.closest("tr[data-t]");
    if (!tr) return;
    tbody.querySelectorAll("tr.current").forEach(function (r) { r.classList.remove("current"); });
    tr.classList.add("current");
    ECSIM.setTime(parseFloat(tr.getAttribute("data-t")));
  });
  render();
})();
