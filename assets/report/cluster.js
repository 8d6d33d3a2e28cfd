// The cluster, animated (report.html): reads the JSON in #cluster-data (written by
// src/report/html/cluster.rs) and draws zones as columns, container instances as boxes filled
// by reserved CPU and memory, tasks as cells coloured by owner and revision and outlined by
// state. A timeline scrubs and plays the run; its marks are the run's events. Clicking a task
// shows its history and placement explanation. Time is shared with the rest of the page through
// the DOM CustomEvent "ecsim:time" {detail: {t_s}} on document, both ways.
//
// Per frame the work is bounded by what changed: every instant at which anything changes is in
// one sorted array, the current time's place in it is found by binary search, and the cells
// and bars are recomputed only when that place moves; a cell's DOM is touched only when its
// state changed.
(function () {
  "use strict";
  var dataEl = document.getElementById("cluster-data");
  var root = document.getElementById("cluster");
  if (!dataEl || !root) return;
  var data = JSON.parse(dataEl.textContent);

  // Task states, in the order a task goes through them; times[] indexes of tasks.csv columns.
  var T_PLACED = 0, T_RUNNING = 1, T_HEALTHY = 2, T_DRAINING = 3, T_SIGTERM = 4, T_STOPPING = 5, T_STOPPED = 6;
  var STATES = [
    { key: "provisioning", label: "PROVISIONING", help: "waiting for an instance of its capacity provider: not placed yet" },
    { key: "pending", label: "PENDING", help: "image pulled, containers starting" },
    { key: "running", label: "RUNNING", help: "running, not yet healthy" },
    { key: "healthy", label: "healthy", help: "RUNNING and counted healthy" },
    { key: "draining", label: "DRAINING", help: "told to stop: deregistering from the load balancer" },
    { key: "stopping", label: "STOPPING", help: "SIGTERM sent, containers exiting" }
  ];
  var S_PENDING = 1, S_RUNNING = 2, S_HEALTHY = 3, S_DRAINING = 4, S_STOPPING = 5, S_GONE = -1;

  // The state of task k at time t (S_GONE before placement and after STOPPED).
  function taskState(tk, t) {
    var x = tk.times;
    if (t < x[T_PLACED]) return S_GONE;
    if (x[T_STOPPED] !== null && t >= x[T_STOPPED]) return S_GONE;
    if (x[T_SIGTERM] !== null && t >= x[T_SIGTERM]) return S_STOPPING;
    if (x[T_DRAINING] !== null && t >= x[T_DRAINING]) return S_DRAINING;
    // A task told to stop without a deactivating step (standalone tasks) is stopping at once.
    if (x[T_STOPPING] !== null && t >= x[T_STOPPING]) return x[T_DRAINING] !== null ? S_DRAINING : S_STOPPING;
    if (x[T_HEALTHY] !== null && t >= x[T_HEALTHY]) return S_HEALTHY;
    if (x[T_RUNNING] !== null && t >= x[T_RUNNING]) return S_RUNNING;
    return S_PENDING;
  }
  // An instance: -1 not yet there, 0 launching, 1 ACTIVE, 2 DRAINING, -2 gone.
  function instanceState(inst, t) {
    if (inst.terminated_s !== null && t >= inst.terminated_s) return -2;
    if (t < inst.registered_s) return inst.launched_s !== null && t >= inst.launched_s ? 0 : -1;
    if (inst.draining_s !== null && t >= inst.draining_s) return 2;
    return 1;
  }

  // ---- colours: a hue per owner, a shade per revision -------------------------------------
  var HUES = [211, 28, 140, 280, 350, 185, 55, 100, 250, 5];
  function groupColour(g) {
    var hue = HUES[g.owner_index % HUES.length];
    var light = [36, 62, 49, 75][g.revision_index % 4];
    return "hsl(" + hue + ", 72%, " + light + "%)";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function hms(s) {
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }
  function fmt(v) { return v === null ? "—" : hms(v) + " (" + (Math.round(v * 10) / 10) + " s)"; }

  // ---- legend -------------------------------------------------------------------------------
  var legend = document.getElementById("ecl-legend");
  var colours = data.groups.map(groupColour);
  var lg = el("div", "ecl-legend-row");
  lg.appendChild(el("span", "ecl-legend-title", "Service : revision"));
  data.groups.forEach(function (g, i) {
    var item = el("span", "ecl-legend-item");
    var sw = el("span", "ecl-swatch");
    sw.style.background = colours[i];
    item.appendChild(sw);
    // "web:2" says both; a workload's label names its owner too.
    var same = g.revision.indexOf(g.owner + ":") === 0;
    item.appendChild(document.createTextNode(same ? g.revision : g.owner + " · " + g.revision));
    lg.appendChild(item);
  });
  legend.appendChild(lg);
  var ls = el("div", "ecl-legend-row");
  ls.appendChild(el("span", "ecl-legend-title", "State"));
  STATES.forEach(function (s, i) {
    if (i === 0 && data.provisioning.length === 0) return; // PROVISIONING only when the run had it
    var item = el("span", "ecl-legend-item");
    item.title = s.help;
    item.appendChild(el("span", "ecl-cell ecl-legend-cell st-" + s.key));
    item.appendChild(document.createTextNode(s.label));
    ls.appendChild(item);
  });
  var inst = el("span", "ecl-legend-item");
  inst.appendChild(el("span", "ecl-legend-inst ecl-draining"));
  inst.appendChild(document.createTextNode("instance DRAINING"));
  ls.appendChild(inst);
  legend.appendChild(ls);

  // ---- zones, instances, cells ----------------------------------------------------------------
  var zonesEl = document.getElementById("ecl-zones");
  var zoneCols = data.zones.map(function (z) {
    var col = el("div", "ecl-zone");
    col.appendChild(el("h3", "ecl-zone-name", z));
    var body = el("div", "ecl-zone-body");
    col.appendChild(body);
    zonesEl.appendChild(col);
    return { body: body, fargate: null };
  });
  if (zoneCols.length === 0) zoneCols.push({ body: zonesEl, fargate: null });

  function bar(label) {
    var b = el("div", "ecl-bar");
    b.title = label;
    var fill = el("div", "ecl-bar-fill");
    b.appendChild(fill);
    var text = el("span", "ecl-bar-text", label);
    b.appendChild(text);
    return { fill: fill, text: text, label: label };
  }
  var boxes = data.instances.map(function (inst) {
    var box = el("div", "ecl-inst");
    var head = el("div", "ecl-inst-head");
    var tail = inst.id.length > 6 ? "…" + inst.id.slice(-6) : inst.id;
    head.appendChild(el("span", "ecl-inst-type", inst.instance_type));
    head.appendChild(el("span", "ecl-inst-id", tail));
    box.title = inst.id + " (" + inst.instance_type + ", " + inst.cpu_units + " CPU units, " + inst.memory_mib + " MiB" +
      (inst.capacity_provider ? ", " + inst.capacity_provider : "") + (inst.purchase ? ", " + inst.purchase : "") + ")";
    box.appendChild(head);
    var cpu = bar("CPU"), mem = bar("memory");
    box.appendChild(cpu.fill.parentNode);
    box.appendChild(mem.fill.parentNode);
    var cells = el("div", "ecl-cells");
    box.appendChild(cells);
    box.style.display = "none";
    zoneCols[inst.zone] ? zoneCols[inst.zone].body.appendChild(box) : zoneCols[0].body.appendChild(box);
    return { el: box, cells: cells, cpu: cpu, mem: mem, state: null, cpuUsed: -1, memUsed: -1 };
  });
  function fargateBox(z) {
    var zc = zoneCols[z] || zoneCols[0];
    if (!zc.fargate) {
      var box = el("div", "ecl-inst ecl-fargate");
      var head = el("div", "ecl-inst-head");
      head.appendChild(el("span", "ecl-inst-type", "Fargate"));
      head.appendChild(el("span", "ecl-inst-id", "tasks on their own capacity"));
      box.appendChild(head);
      var cells = el("div", "ecl-cells");
      box.appendChild(cells);
      zc.body.appendChild(box);
      zc.fargate = cells;
    }
    return zc.fargate;
  }
  var STATE_CLASS = ["", "st-pending", "st-running", "st-healthy", "st-draining", "st-stopping"];
  var cells = data.tasks.map(function (tk, k) {
    var c = el("button", "ecl-cell");
    c.type = "button";
    c.style.background = colours[tk.group];
    c.dataset.task = tk.id;
    c.setAttribute("aria-label", "task " + tk.id);
    c.style.display = "none";
    c.addEventListener("click", function () { showTask(k); });
    var parent = tk.instance === null ? fargateBox(tk.zone) : boxes[tk.instance].cells;
    parent.appendChild(c);
    return { el: c, state: S_GONE };
  });

  // ---- tasks waiting in PROVISIONING (on no instance yet), per service ------------------------
  var provEl = document.getElementById("ecl-provisioning");
  var provShown = {};
  function ownerColour(name) {
    for (var i = 0; i < data.groups.length; i++) if (data.groups[i].owner === name) return colours[i];
    return "#afb8c1";
  }
  // The count of each service at t: the latest row at or before t (rows are in time order).
  function drawProvisioning(t) {
    var now = {};
    for (var i = 0; i < data.provisioning.length && data.provisioning[i].t_s <= t; i++) now[data.provisioning[i].service] = data.provisioning[i].tasks;
    var key = JSON.stringify(now);
    if (key === provShown.key) return;
    provShown.key = key;
    provEl.textContent = "";
    var any = false;
    Object.keys(now).forEach(function (svc) {
      if (!now[svc]) return;
      any = true;
      var row = el("span", "ecl-prov-row", svc + ": " + now[svc] + " waiting for an instance ");
      for (var k = 0; k < Math.min(now[svc], 50); k++) {
        var c = el("span", "ecl-cell st-provisioning");
        c.style.background = ownerColour(svc);
        row.appendChild(c);
      }
      provEl.appendChild(row);
    });
    if (any) provEl.insertBefore(el("span", "ecl-legend-title", "PROVISIONING"), provEl.firstChild);
    provEl.hidden = !any;
  }

  // ---- every instant at which something changes, sorted -------------------------------------
  var changes = [];
  data.tasks.forEach(function (tk) { tk.times.forEach(function (v) { if (v !== null) changes.push(v); }); });
  data.provisioning.forEach(function (p) { changes.push(p.t_s); });
  data.instances.forEach(function (i) {
    [i.launched_s, i.registered_s, i.draining_s, i.terminated_s].forEach(function (v) { if (v !== null) changes.push(v); });
  });
  changes.sort(function (a, b) { return a - b; });
  // Index of the first change after t (so the cluster is the same for every t with one index).
  function epochOf(t) {
    var lo = 0, hi = changes.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (changes[mid] <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  var shownEpoch = -1;
  function draw(t) {
    var epoch = epochOf(t);
    if (epoch === shownEpoch) return;
    shownEpoch = epoch;
    drawProvisioning(t);
    var cpuUsed = new Array(boxes.length).fill(0), memUsed = new Array(boxes.length).fill(0);
    for (var k = 0; k < data.tasks.length; k++) {
      var tk = data.tasks[k];
      var s = taskState(tk, t);
      if (s !== S_GONE && tk.instance !== null) {
        cpuUsed[tk.instance] += tk.cpu_units;
        memUsed[tk.instance] += tk.memory_mib;
      }
      var c = cells[k];
      if (s === c.state) continue;
      if (s === S_GONE) c.el.style.display = "none";
      else {
        if (c.state === S_GONE) c.el.style.display = "";
        c.el.className = "ecl-cell " + STATE_CLASS[s];
      }
      c.state = s;
    }
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i], inst = data.instances[i];
      var st = instanceState(inst, t);
      if (st !== b.state) {
        b.el.style.display = st < 0 ? "none" : "";
        b.el.className = "ecl-inst" + (st === 0 ? " ecl-launching" : st === 2 ? " ecl-draining" : "");
        b.state = st;
      }
      if (cpuUsed[i] !== b.cpuUsed) setBar(b.cpu, cpuUsed[i], inst.cpu_units, "CPU units");
      if (memUsed[i] !== b.memUsed) setBar(b.mem, memUsed[i], inst.memory_mib, "MiB");
      b.cpuUsed = cpuUsed[i];
      b.memUsed = memUsed[i];
    }
  }
  function setBar(bar, used, total, unit) {
    var pct = total > 0 ? Math.min(100, (100 * used) / total) : 0;
    bar.fill.style.width = pct + "%";
    bar.text.textContent = bar.label + " " + Math.round(pct) + " %";
    bar.fill.parentNode.title = bar.label + ": " + used + " of " + total + " " + unit + " reserved";
  }

  // ---- timeline: marks, scrubbing, play -------------------------------------------------------
  var end = Math.max(data.end_s, 1);
  var marksEl = document.getElementById("ecl-marks");
  var KIND_LABEL = { deployment: "deployment", fault: "fault", scaling: "scaling", failed: "placement failure", instance: "instance", action: "action" };
  data.marks.forEach(function (m) {
    var mk = el("button", "ecl-mark ecl-mark-" + m.kind);
    mk.type = "button";
    mk.style.left = (100 * m.t_s) / end + "%";
    mk.title = hms(m.t_s) + " " + (KIND_LABEL[m.kind] || m.kind) + ": " + m.text;
    mk.setAttribute("aria-label", mk.title);
    mk.addEventListener("click", function () { pause(); setTime(m.t_s, true); });
    marksEl.appendChild(mk);
  });
  var kinds = {};
  data.marks.forEach(function (m) { kinds[m.kind] = true; });
  var lm = el("div", "ecl-legend-row");
  lm.appendChild(el("span", "ecl-legend-title", "Timeline marks"));
  Object.keys(KIND_LABEL).forEach(function (k) {
    if (!kinds[k]) return;
    var item = el("span", "ecl-legend-item");
    item.appendChild(el("span", "ecl-mark ecl-legend-mark ecl-mark-" + k));
    item.appendChild(document.createTextNode(KIND_LABEL[k]));
    lm.appendChild(item);
  });
  if (lm.childNodes.length > 1) legend.appendChild(lm);

  var scrub = document.getElementById("ecl-scrub");
  var label = document.getElementById("ecl-time");
  var playBtn = document.getElementById("ecl-play");
  var speedSel = document.getElementById("ecl-speed");
  // Simulated seconds per second of viewing; the default plays the run in about 40 s.
  var SPEEDS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
  var best = SPEEDS[0];
  SPEEDS.forEach(function (s) { if (Math.abs(Math.log(s * 40 / end)) < Math.abs(Math.log(best * 40 / end))) best = s; });
  SPEEDS.forEach(function (s) {
    var o = el("option", "", s + "× (" + (s >= 60 ? s / 60 + " min" : s + " s") + " per second)");
    o.value = String(s);
    if (s === best) o.selected = true;
    speedSel.appendChild(o);
  });

  var now = 0, playing = false, lastFrame = null, lastSent = -1, sentAt = 0;
  function setTime(t, announce) {
    now = Math.min(Math.max(t, 0), end);
    scrub.value = String(now);
    label.textContent = hms(now) + " of " + hms(end);
    draw(now);
    if (announce) send();
  }
  // Tells the rest of the page; while playing, at most ten times a second.
  function send() {
    if (now === lastSent) return;
    var wall = Date.now();
    if (playing && wall - sentAt < 100) return;
    lastSent = now;
    sentAt = wall;
    document.dispatchEvent(new CustomEvent("ecsim:time", { detail: { t_s: now, source: "cluster" } }));
  }
  function frame(ts) {
    if (!playing) return;
    if (lastFrame !== null) {
      var t = now + ((ts - lastFrame) / 1000) * Number(speedSel.value);
      if (t >= end) { setTime(end, true); pause(); return; }
      setTime(t, true);
    }
    lastFrame = ts;
    requestAnimationFrame(frame);
  }
  function play() {
    if (now >= end) setTime(0, true);
    playing = true;
    lastFrame = null;
    playBtn.textContent = "❚❚ Pause";
    playBtn.setAttribute("aria-label", "pause");
    requestAnimationFrame(frame);
  }
  function pause() {
    playing = false;
    playBtn.textContent = "▶ Play";
    playBtn.setAttribute("aria-label", "play");
  }
  playBtn.addEventListener("click", function () { playing ? pause() : play(); });
  scrub.addEventListener("input", function () { pause(); setTime(Number(scrub.value), true); });
  document.addEventListener("ecsim:time", function (ev) {
    var d = ev.detail || {};
    if (d.source === "cluster" || typeof d.t_s !== "number" || !isFinite(d.t_s)) return;
    pause();
    setTime(d.t_s, false);
  });

  // ---- a task's history -----------------------------------------------------------------------
  var detail = document.getElementById("ecl-detail");
  var selected = null;
  function showTask(k) {
    var tk = data.tasks[k], g = data.groups[tk.group];
    if (selected !== null) cells[selected].el.classList.remove("ecl-selected");
    selected = k;
    cells[k].el.classList.add("ecl-selected");
    detail.textContent = "";
    detail.appendChild(el("h3", "", "Task " + tk.id));
    var dl = el("dl", "ecl-facts");
    function fact(name, value) {
      dl.appendChild(el("dt", "", name));
      dl.appendChild(el("dd", "", value === "" || value === null ? "—" : String(value)));
    }
    fact("service or workload", g.owner);
    fact("revision", g.revision);
    fact("instance", tk.instance_id + (tk.instance !== null ? " (" + data.instances[tk.instance].instance_type + ")" : ""));
    fact("zone", data.zones[tk.zone] || "");
    fact("reserves", tk.cpu_units + " CPU units, " + tk.memory_mib + " MiB");
    if (tk.capacity_provider) fact("capacity provider", tk.capacity_provider);
    detail.appendChild(dl);
    var hist = el("table", "ecl-history");
    var rows = [
      ["placed (PENDING)", tk.times[T_PLACED]],
      ["RUNNING", tk.times[T_RUNNING]],
      ["healthy", tk.times[T_HEALTHY]],
      ["told to stop", tk.times[T_STOPPING]],
      ["deregistering (DRAINING)", tk.times[T_DRAINING]],
      ["SIGTERM (STOPPING)", tk.times[T_SIGTERM]],
      ["STOPPED", tk.times[T_STOPPED]]
    ];
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", "", r[0]));
      var td = el("td");
      if (r[1] === null) td.textContent = "—";
      else {
        var a = el("button", "ecl-jump", fmt(r[1]));
        a.type = "button";
        a.addEventListener("click", function () { pause(); setTime(r[1], true); });
        td.appendChild(a);
      }
      tr.appendChild(td);
      hist.appendChild(tr);
    });
    detail.appendChild(hist);
    if (tk.stop_code) detail.appendChild(el("p", "", "Stop code: " + tk.stop_code));
    detail.appendChild(el("h4", "", "Why this instance"));
    detail.appendChild(el("p", "ecl-why", tk.placement ||
      "No explanation recorded: the scenario has explain_placements off."));
  }

  setTime(0, false);
})();
