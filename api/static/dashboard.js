/* betalab dashboard: four pages built from the JSON API with plain DOM calls. */
(function () {
  "use strict";

  var KEY_STORAGE = "betalab.apiKey";
  var ACTIVE = { queued: true, running: true, evaluating: true };
  var RUN_STATES = ["queued", "running", "evaluating", "completed", "failed", "cancelled"];
  var RUN_PAGE_SIZE = 500;
  var POLL_MS = 2000;
  var fmt = window.BLCharts.fmt;
  // Datasets, model types, metrics and presets as the server defines them (GET /catalog).
  var CATALOG = JSON.parse(document.getElementById("catalog").textContent);
  var WITH_FRACTIONS = {};
  CATALOG.datasets.forEach(function (d) { WITH_FRACTIONS[d.name] = d.label_fractions; });

  /* ---------- small helpers ---------- */

  /* h("div", {className: "x", text: "hi", dataset: {...}, onclick: fn}, [children]) */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    attrs = attrs || {};
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else if (v === true) node.setAttribute(k, "");
      else node.setAttribute(k, String(v));
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function enc(s) { return encodeURIComponent(s); }

  function apiKey() {
    try { return window.localStorage.getItem(KEY_STORAGE) || ""; } catch (e) { return ""; }
  }

  function saveKey(key) {
    try {
      if (key) window.localStorage.setItem(KEY_STORAGE, key);
      else window.localStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* storage disabled: the key lives for this page only */ }
  }

  /* fetch + JSON; resolves {status, ok, data} and never throws on HTTP errors. */
  function request(method, url, body) {
    var headers = { Accept: "application/json" };
    var key = apiKey();
    if (key) headers.Authorization = "Bearer " + key;
    var init = { method: method, headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
        return { status: resp.status, ok: resp.ok, data: data };
      });
    });
  }

  function getJSON(url) {
    return request("GET", url).then(function (r) {
      if (!r.ok) {
        var err = new Error(detailText(r.data) || ("HTTP " + r.status));
        err.status = r.status;
        throw err;
      }
      return r.data;
    });
  }

  function getText(url) {
    var headers = {};
    var key = apiKey();
    if (key) headers.Authorization = "Bearer " + key;
    return fetch(url, { headers: headers }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.text();
    });
  }

  /* RFC 4180 rows: quoted fields may hold commas, doubled quotes and newlines. */
  function parseCSV(text) {
    var rows = [], row = [], field = "", quoted = false;
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
        } else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { row.push(field); field = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        row.push(field); field = "";
        rows.push(row); row = [];
      } else field += ch;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  function detailText(data) {
    if (!data) return "";
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail)) return data.detail.map(function (d) { return d.msg; }).join("; ");
    return "";
  }

  function fmtTime(iso) {
    if (!iso) return "–";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toLocaleString();
  }

  function fmtDuration(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  function statusBadge(status) {
    return h("span", { className: "status status-" + status, text: status });
  }

  function progressBar(p) {
    var pct = Math.max(0, Math.min(1, Number(p) || 0)) * 100;
    var bar = h("span", { className: "progress", title: pct.toFixed(0) + "%",
      role: "progressbar", "aria-valuenow": pct.toFixed(0) });
    var fill = h("span");
    fill.style.width = pct.toFixed(1) + "%";
    bar.appendChild(fill);
    return bar;
  }

  function countsView(counts) {
    var box = h("span", { className: "counts" });
    counts = counts || {};
    RUN_STATES.forEach(function (s) {
      if (counts[s]) {
        box.appendChild(h("span", { className: "count count-" + s, dataset: { state: s } },
          [statusBadge(s), " " + counts[s]]));
      }
    });
    if (!box.childNodes.length) box.appendChild(h("span", { className: "muted", text: "no runs" }));
    return box;
  }

  function isActive(status) { return !!ACTIVE[status]; }

  function showError(where, err) {
    where.replaceChildren(h("div", { className: "card form-error",
      text: "Could not load: " + (err && err.message ? err.message : err) }));
  }

  /* A "paste your API key" box; calls onSaved() once a key is stored. */
  function keyPrompt(message, onSaved) {
    var input = h("input", { type: "password", id: "key-prompt-input", placeholder: "API key",
      autocomplete: "off" });
    var box = h("div", { className: "notice key-prompt" }, [
      h("div", { text: message || "This action needs an API key." }),
      h("div", { className: "row" }, [input, h("button", { type: "button", className: "primary",
        text: "Save key", onclick: function () {
          saveKey(input.value.trim());
          box.remove();
          if (onSaved) onSaved();
        } })])
    ]);
    return box;
  }

  /* ---------- experiments list ---------- */

  function experimentsPage(app) {
    var state = { skip: 0, limit: 50, status: "", timer: null };
    var filter = h("select", { id: "status-filter", onchange: function () {
      state.status = filter.value; state.skip = 0; load();
    } }, [h("option", { value: "", text: "all" })].concat(
      ["queued", "running", "completed", "failed", "cancelled"].map(function (s) {
        return h("option", { value: s, text: s });
      })));
    var tbody = h("tbody");
    var table = h("table", { className: "data", id: "experiments-table" }, [
      h("thead", null, [h("tr", null, ["Name", "Dataset", "Status", "Progress", "Runs",
        "Created"].map(function (t) { return h("th", { text: t }); }))]),
      tbody
    ]);
    var info = h("span", { className: "muted", id: "experiments-count" });
    var prev = h("button", { type: "button", text: "‹ Newer", onclick: function () {
      state.skip = Math.max(0, state.skip - state.limit); load();
    } });
    var next = h("button", { type: "button", text: "Older ›", onclick: function () {
      state.skip += state.limit; load();
    } });
    var live = h("span", { className: "muted", id: "live-indicator" });
    app.replaceChildren(
      h("div", { className: "row" }, [h("h1", { text: "Experiments" }), h("span", { className: "spacer" }),
        h("label", null, ["Status ", filter]), h("a", { className: "button", href: "/ui/new",
          text: "New experiment" })]),
      table,
      h("div", { className: "pager" }, [prev, next, info, live])
    );

    function row(e) {
      return h("tr", { className: "experiment-row", dataset: { id: e.id, status: e.status } }, [
        h("td", null, [h("a", { href: "/ui/experiments/" + enc(e.id), text: e.name || e.id })]),
        h("td", { text: e.dataset }),
        h("td", null, [statusBadge(e.status)]),
        h("td", null, [progressBar(e.progress), " " + Math.round((e.progress || 0) * 100) + "%",
          isActive(e.status) && e.eta_seconds ? h("span", { className: "muted",
            text: " · ETA " + fmtDuration(e.eta_seconds) }) : null]),
        h("td", null, [h("span", { className: "muted", text: e.run_count + " · " }),
          countsView(e.counts)]),
        h("td", { text: fmtTime(e.created_at) })
      ]);
    }

    /* List items carry counts/progress/ETA; from a server whose items lack them, fill those
       from the detail route (terminal experiments once per update, active ones on every poll). */
    var details = {};
    function withDetails(items) {
      return Promise.all(items.map(function (e) {
        if (e.counts) return e;
        var stamp = e.status + "|" + e.updated_at;
        var cached = details[e.id];
        if (cached && cached.stamp === stamp && !isActive(e.status)) return cached.value;
        return getJSON("/experiments/" + enc(e.id)).then(function (d) {
          details[e.id] = { stamp: stamp, value: d };
          return d;
        }).catch(function () { return e; });
      }));
    }

    function load() {
      if (state.timer) { clearTimeout(state.timer); state.timer = null; }
      var url = "/experiments?skip=" + state.skip + "&limit=" + state.limit +
        (state.status ? "&status=" + enc(state.status) : "");
      getJSON(url).then(function (page) {
        return withDetails(page.data || []).then(function (items) {
          return { data: items, count: page.count };
        });
      }).then(function (page) {
        var items = page.data || [];
        var frag = document.createDocumentFragment();
        items.forEach(function (e) { frag.appendChild(row(e)); });
        if (!items.length) {
          frag.appendChild(h("tr", null, [h("td", { colspan: 6, className: "muted" }, [
            "No experiments yet. ", h("a", { href: "/ui/new", text: "Start one." })])]));
        }
        tbody.replaceChildren(frag);
        var count = page.count || 0;
        info.textContent = count ? (state.skip + 1) + "–" + (state.skip + items.length) + " of " + count : "";
        prev.disabled = state.skip === 0;
        next.disabled = state.skip + items.length >= count;
        var anyActive = items.some(function (e) { return isActive(e.status); });
        live.textContent = anyActive ? "· refreshing every 2 s" : "";
        if (anyActive) state.timer = setTimeout(load, POLL_MS);
      }).catch(function (err) {
        tbody.replaceChildren(h("tr", null, [h("td", { colspan: 6, className: "form-error",
          text: "Could not load experiments: " + err.message })]));
        state.timer = setTimeout(load, POLL_MS * 5);
      });
    }
    load();
  }

  /* ---------- virtualised, sortable run table ---------- */

  /* Only the visible rows (plus a margin) are in the DOM; spacer rows keep the scroll height. */
  function RunTable(scroller, onSort) {
    this.scroller = scroller;
    this.table = h("table", { className: "data sortable", id: "run-table" });
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.table.appendChild(this.thead);
    this.table.appendChild(this.tbody);
    scroller.appendChild(this.table);
    this.rows = [];
    this.columns = [];
    this.sortKey = null;
    this.sortDir = 1;
    this.rowHeight = 29;
    this.overscan = 20;
    this.onSort = onSort;
    this.pending = false;
    var self = this;
    scroller.addEventListener("scroll", function () { self.schedule(); });
  }

  RunTable.prototype.setColumns = function (columns) {
    var self = this;
    this.columns = columns;
    var tr = h("tr");
    columns.forEach(function (c) {
      var cls = (c.num ? "num " : "") + (self.sortKey === c.key ? (self.sortDir > 0 ? "sorted-asc" : "sorted-desc") : "");
      tr.appendChild(h("th", { className: cls, dataset: { key: c.key }, text: c.label,
        title: "Sort by " + c.label, onclick: function () { self.sortBy(c.key); } }));
    });
    this.thead.replaceChildren(tr);
  };

  RunTable.prototype.sortBy = function (key) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else { this.sortKey = key; this.sortDir = 1; }
    this.setColumns(this.columns);
    this.applySort();
    this.render();
    if (this.onSort) this.onSort(key, this.sortDir);
  };

  RunTable.prototype.applySort = function () {
    var key = this.sortKey, dir = this.sortDir;
    var col = this.columns.filter(function (c) { return c.key === key; })[0];
    if (!col) return;
    this.rows.sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      var xn = x === null || x === undefined || x === "", yn = y === null || y === undefined || y === "";
      if (xn || yn) return xn === yn ? 0 : (xn ? 1 : -1);  // blanks last either way
      if (x < y) return -dir;
      if (x > y) return dir;
      return 0;
    });
  };

  RunTable.prototype.setRows = function (rows) {
    this.rows = rows.slice();
    this.applySort();
    this.render();
  };

  RunTable.prototype.schedule = function () {
    if (this.pending) return;
    this.pending = true;
    var self = this;
    window.requestAnimationFrame(function () { self.pending = false; self.render(); });
  };

  RunTable.prototype.render = function () {
    var n = this.rows.length, rh = this.rowHeight, cols = this.columns;
    var view = this.scroller.clientHeight || 560;
    var first = Math.max(0, Math.floor(this.scroller.scrollTop / rh) - this.overscan);
    var last = Math.min(n, Math.ceil((this.scroller.scrollTop + view) / rh) + this.overscan);
    var frag = document.createDocumentFragment();
    var span = Math.max(1, cols.length);
    if (first > 0) frag.appendChild(spacer(first * rh, span));
    for (var i = first; i < last; i++) {
      var r = this.rows[i];
      var tr = document.createElement("tr");
      tr.className = "run-row";
      tr.dataset.id = r.id;
      for (var j = 0; j < cols.length; j++) {
        var c = cols[j];
        var td = document.createElement("td");
        if (c.num) td.className = "num";
        if (c.cell) td.appendChild(c.cell(r));
        else td.textContent = c.fmt ? c.fmt(c.get(r)) : String(c.get(r));
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    if (last < n) frag.appendChild(spacer((n - last) * rh, span));
    this.tbody.replaceChildren(frag);
    // Measure the real row height once, then re-render with it.
    var sample = this.tbody.querySelector("tr.run-row");
    if (sample && sample.offsetHeight && Math.abs(sample.offsetHeight - rh) > 0.5) {
      this.rowHeight = sample.offsetHeight;
      this.render();
    }
  };

  function spacer(height, span) {
    var tr = document.createElement("tr");
    tr.className = "spacer-row";
    var td = document.createElement("td");
    td.colSpan = span;
    td.style.height = height + "px";
    tr.appendChild(td);
    return tr;
  }

  /* ---------- experiment page ---------- */

  // Metric group -> the result keys it yields, from the catalog the page embeds (GET /catalog).
  var METRIC_KEYS = {};
  CATALOG.metrics.forEach(function (m) { METRIC_KEYS[m.name] = m.keys; });

  function runEpochs(r) {
    if (typeof r.epochs_done === "number") return r.epochs_done;
    if (typeof r.epochs === "number") return r.epochs;
    if (Array.isArray(r.epochs)) return r.epochs.length;
    return null;
  }

  function experimentPage(app, id) {
    var state = { exp: null, runs: [], metric: "", metrics: [], timer: null, lastFull: 0,
      loadingRuns: false, runsToken: 0 };
    var header = h("div", { className: "card", id: "experiment-header" }, [h("p", { className: "muted", text: "Loading…" })]);
    var metricSelect = h("select", { id: "metric-select", onchange: function () {
      state.metric = metricSelect.value; loadCurve();
    } });
    var logBox = h("input", { type: "checkbox", id: "log-beta", onchange: function () { loadCurve(); } });
    var curveBox = h("div", { id: "curve" });
    var trendBody = h("tbody");
    var trendTable = h("table", { className: "data", id: "trend-table" }, [
      h("thead", null, [h("tr", null, [h("th", { text: "Model type" }), h("th", { text: "Label fraction" }),
        h("th", { className: "num", text: "Spearman ρ" }), h("th", { className: "num", text: "p" })])]),
      trendBody
    ]);
    var findingsBody = h("tbody");
    var findingsNote = h("p", { className: "hint", id: "findings-note" });
    var findingsTable = h("table", { className: "data", id: "findings-table" }, [
      h("thead", null, [h("tr", null, ["Finding", "Model type", "Claim", "Verdict", "Evidence"].map(
        function (t) { return h("th", { text: t }); }))]),
      findingsBody
    ]);
    var runsInfo = h("span", { className: "muted", id: "runs-info" });
    var scroller = h("div", { className: "run-table-scroll", id: "run-table-scroll" });
    var table = new RunTable(scroller);
    app.replaceChildren(
      header,
      h("div", { className: "card" }, [
        h("div", { className: "row" }, [h("h2", { text: "Curve" }), h("label", null, ["Metric ", metricSelect]),
          h("label", null, [logBox, " log β"])]),
        curveBox,
        h("h2", { text: "Trend (Spearman rank correlation of the metric with β)" }),
        trendTable
      ]),
      h("div", { className: "card" }, [
        h("h2", { text: "The paper's findings, tested on this experiment's runs" }),
        findingsNote,
        findingsTable
      ]),
      h("div", { className: "card" }, [
        h("div", { className: "row" }, [h("h2", { text: "Runs" }), runsInfo]),
        h("p", { className: "hint", text: "Click a column header to sort; click a run to open it." }),
        scroller
      ])
    );
    scroller.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr.run-row");
      if (tr && ev.target.tagName !== "A") window.location.href = "/ui/runs/" + enc(tr.dataset.id);
    });

    function renderHeader(e) {
      var cancel = isActive(e.status) ? h("button", { type: "button", className: "danger", id: "cancel-btn",
        text: "Cancel experiment", onclick: doCancel }) : null;
      var facts = h("dl", { className: "facts" }, [
        h("dt", { text: "Dataset" }), h("dd", { text: e.dataset }),
        h("dt", { text: "Status" }), h("dd", { id: "experiment-status" }, [statusBadge(e.status)]),
        h("dt", { text: "Progress" }), h("dd", null, [progressBar(e.progress),
          " " + Math.round((e.progress || 0) * 100) + "%" +
          (isActive(e.status) && e.eta_seconds ? " · ETA " + fmtDuration(e.eta_seconds) : "")]),
        h("dt", { text: "Runs" }), h("dd", null, [e.run_count + " · ", countsView(e.counts)]),
        h("dt", { text: "Preset" }), h("dd", { text: (e.spec && e.spec.training && e.spec.training.preset) || "–" }),
        h("dt", { text: "Created" }), h("dd", { text: fmtTime(e.created_at) })
      ]);
      header.replaceChildren(
        h("div", { className: "row" }, [h("h1", { text: e.name || e.id }), h("span", { className: "spacer" }),
          h("a", { className: "button", id: "csv-link", href: "/results/" + enc(e.id) + ".csv",
            download: "", text: "Download CSV" }), cancel]),
        facts,
        h("div", { id: "cancel-area" })
      );
    }

    function doCancel() {
      if (!window.confirm("Cancel this experiment? Queued runs are dropped; running runs stop.")) return;
      request("POST", "/experiments/" + enc(id) + "/cancel").then(function (r) {
        var area = document.getElementById("cancel-area");
        if (r.status === 401 || r.status === 403) {
          /* 403: a read key, or someone else's experiment; the server says which. */
          var why = r.status === 403 ? detailText(r.data) : "Cancelling needs an API key.";
          area.replaceChildren(keyPrompt(why, doCancel));
          return;
        }
        if (!r.ok) {
          area.replaceChildren(h("div", { className: "form-error", text: detailText(r.data) || ("HTTP " + r.status) }));
          return;
        }
        refresh(true);
      });
    }

    /* Result keys the experiment asked for (spec.metric_keys), plus any others a run carries. */
    function metricsFromRuns() {
      var spec = (state.exp && state.exp.spec) || {};
      var keys = [];
      if (Array.isArray(spec.metric_keys)) keys = spec.metric_keys.slice();
      else {
        (spec.metrics || []).forEach(function (g) {
          (METRIC_KEYS[g] || [g]).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
        });
      }
      state.runs.forEach(function (r) {
        Object.keys(r.metrics || {}).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
      });
      return keys;
    }

    /* The run list carries each run's metric values; a server whose list does not is
       served from the experiment's CSV (one row per run and metric), merged once per load. */
    function withMetricValues(runs) {
      if (runs.some(function (r) { return r.metrics; })) return Promise.resolve(runs);
      if (!runs.some(function (r) { return r.status === "completed"; })) return Promise.resolve(runs);
      return getText("/results/" + enc(id) + ".csv").then(function (text) {
        var byId = {};
        runs.forEach(function (r) { byId[r.id] = r; });
        var rows = parseCSV(text);
        var head = rows.shift() || [];
        var iRun = head.indexOf("run_id"), iKey = head.indexOf("metric"), iVal = head.indexOf("value");
        if (iRun < 0 || iKey < 0 || iVal < 0) return runs;
        rows.forEach(function (row) {
          var r = byId[row[iRun]];
          if (!r || !row[iKey]) return;
          r.metrics = r.metrics || {};
          r.metrics[row[iKey]] = row[iVal] === "" ? null : Number(row[iVal]);
        });
        return runs;
      }).catch(function () { return runs; });
    }

    function updateMetricSelect() {
      var keys = metricsFromRuns();
      if (keys.join("|") === state.metrics.join("|")) return false;
      state.metrics = keys;
      metricSelect.replaceChildren.apply(metricSelect, keys.map(function (k) {
        return h("option", { value: k, text: k });
      }));
      if (keys.indexOf(state.metric) < 0) state.metric = keys[0] || "";
      metricSelect.value = state.metric;
      return true;
    }

    function updateColumns() {
      var mnist = state.exp && WITH_FRACTIONS[state.exp.dataset];
      var cols = [
        { key: "run", label: "Run", get: function (r) { return r.id; }, cell: function (r) {
          return h("a", { href: "/ui/runs/" + enc(r.id), text: String(r.id).slice(0, 8) });
        } },
        { key: "beta", label: "β", num: true, get: function (r) { return r.beta; }, fmt: fmt },
        { key: "seed", label: "Seed", num: true, get: function (r) { return r.seed; }, fmt: String },
        { key: "model_type", label: "Model type", get: function (r) { return r.model_type; }, fmt: String }
      ];
      if (mnist) {
        cols.push({ key: "label_fraction", label: "Labels", num: true,
          get: function (r) { return r.label_fraction; }, fmt: fmt });
      }
      cols.push(
        { key: "status", label: "Status", get: function (r) { return r.status; },
          cell: function (r) { return statusBadge(r.status); } },
        { key: "epochs", label: "Epochs", num: true, get: runEpochs,
          fmt: function (v) { return v === null ? "–" : String(v); } }
      );
      state.metrics.forEach(function (k) {
        cols.push({ key: "m:" + k, label: k, num: true,
          get: function (r) { var m = r.metrics || {}; return m[k] === undefined ? null : m[k]; }, fmt: fmt });
      });
      if (!table.sortKey) { table.sortKey = "beta"; table.sortDir = 1; }
      table.setColumns(cols);
    }

    function loadRuns() {
      var token = ++state.runsToken;
      var all = [];
      state.loadingRuns = true;
      function page(skip) {
        return getJSON("/experiments/" + enc(id) + "/runs?skip=" + skip + "&limit=" + RUN_PAGE_SIZE)
          .then(function (p) {
            if (token !== state.runsToken) return null;  // a newer load started
            var items = p.data || [];
            all = all.concat(items);
            var total = p.count === undefined ? all.length : p.count;
            runsInfo.textContent = all.length < total ? "loading " + all.length + " of " + total + "…"
              : total + " runs";
            runsInfo.dataset.loaded = String(all.length);
            runsInfo.dataset.total = String(total);
            if (items.length === RUN_PAGE_SIZE && all.length < total) {
              if (skip === 0) { state.runs = all; table.setRows(all); }
              return page(skip + RUN_PAGE_SIZE);
            }
            return all;
          });
      }
      return page(0).then(function (runs) {
        return runs === null ? null : withMetricValues(runs);
      }).then(function (runs) {
        if (runs === null || token !== state.runsToken) return;
        state.runs = runs;
        state.loadingRuns = false;
        var changed = updateMetricSelect();
        if (changed || !table.columns.length) updateColumns();
        table.setRows(runs);
        runsInfo.classList.add("loaded");
        if (changed || !curveBox.childNodes.length) loadCurve();
        loadFindings();
      }).catch(function (err) {
        state.loadingRuns = false;
        runsInfo.textContent = "Could not load runs: " + err.message;
      });
    }

    function loadCurve() {
      if (!state.metric) {
        curveBox.replaceChildren(h("p", { className: "muted", text: "No metric values yet: the curve appears as runs finish." }));
        trendBody.replaceChildren();
        return;
      }
      var metric = state.metric;
      getJSON("/results/" + enc(id) + "/curve?metric=" + enc(metric)).then(function (c) {
        if (metric !== state.metric) return;
        var points = c.points || [];
        if (!points.length) {
          curveBox.replaceChildren(h("p", { className: "muted", text: "No completed runs with " + metric + " yet." }));
        } else {
          curveBox.replaceChildren(window.BLCharts.curveChart(points, { metric: metric, logX: logBox.checked }));
        }
        var frag = document.createDocumentFragment();
        (c.trend || []).forEach(function (t) {
          frag.appendChild(h("tr", { className: "trend-row" }, [
            h("td", { text: t.model_type }),
            h("td", { text: t.label_fraction === null || t.label_fraction === undefined ? "–" : fmt(t.label_fraction) }),
            h("td", { className: "num", text: fmt(t.spearman_rho) }),
            h("td", { className: "num", text: fmt(t.p_value) })
          ]));
        });
        trendBody.replaceChildren(frag);
      }).catch(function (err) {
        curveBox.replaceChildren(h("p", { className: "form-error", text: "Could not load the curve: " + err.message }));
      });
    }

    function loadFindings() {
      getJSON("/results/" + enc(id) + "/findings").then(function (f) {
        findingsNote.textContent = "Each test at α = " + fmt(f.alpha) + " on " + f.metric +
          "; inconclusive: too few runs for the test to decide.";
        var frag = document.createDocumentFragment();
        (f.findings || []).forEach(function (x) {
          var scope = x.model_type || "all";
          if (x.label_fraction !== null && x.label_fraction !== undefined) scope += ", " + fmt(x.label_fraction) + " of labels";
          frag.appendChild(h("tr", { className: "finding-row", dataset: { finding: x.id, verdict: x.verdict } }, [
            h("td", { text: x.id }),
            h("td", { text: scope }),
            h("td", { text: x.claim }),
            h("td", null, [h("span", { className: "verdict verdict-" + x.verdict.replace(" ", "-"), text: x.verdict })]),
            h("td", { text: x.reason })
          ]));
        });
        findingsBody.replaceChildren(frag);
      }).catch(function (err) {
        findingsBody.replaceChildren();
        findingsNote.textContent = "No findings for this experiment: " + err.message;
      });
    }

    function refresh(forceRuns) {
      if (state.timer) { clearTimeout(state.timer); state.timer = null; }
      return getJSON("/experiments/" + enc(id)).then(function (e) {
        var wasActive = state.exp ? isActive(state.exp.status) : true;
        var first = !state.exp;
        state.exp = e;
        document.title = (e.name || e.id) + " · betalab";
        renderHeader(e);
        var now = Date.now();
        // Runs and curve: at first, every 10 s while active, and once when the experiment ends.
        if (first || forceRuns || (isActive(e.status) && now - state.lastFull > 10000) ||
            (wasActive && !isActive(e.status))) {
          state.lastFull = now;
          loadRuns();
        }
        if (isActive(e.status)) state.timer = setTimeout(refresh, POLL_MS);
      }).catch(function (err) {
        if (err.status === 404) { showError(app, "experiment " + id + " not found"); return; }
        showError(header, err);
        state.timer = setTimeout(refresh, POLL_MS * 5);
      });
    }
    refresh();
  }

  /* ---------- run page ---------- */

  function runPage(app, id) {
    var timer = null;
    function render(r) {
      var title = (r.model_type || "run") + " · β=" + fmt(r.beta) + " · seed " + r.seed +
        (r.label_fraction !== null && r.label_fraction !== undefined ? " · " + fmt(r.label_fraction) + " labels" : "");
      document.title = title + " · betalab";
      var epochs = Array.isArray(r.epochs) ? r.epochs : (Array.isArray(r.history) ? r.history : []);
      var nodes = [];
      nodes.push(h("div", { className: "card", id: "run-header" }, [
        h("div", { className: "row" }, [h("h1", { text: title }), h("span", { className: "spacer" }),
          r.experiment_id ? h("a", { href: "/ui/experiments/" + enc(r.experiment_id), id: "experiment-link",
            text: "← experiment" }) : null]),
        h("dl", { className: "facts" }, [
          h("dt", { text: "Status" }), h("dd", { id: "run-status" }, [statusBadge(r.status)]),
          h("dt", { text: "Attempts" }), h("dd", { text: String(r.attempts === undefined ? "–" : r.attempts) }),
          h("dt", { text: "Epochs" }), h("dd", { text: String(runEpochs(r) === null ? epochs.length : runEpochs(r)) +
            (r.best_epoch !== null && r.best_epoch !== undefined ? " (best " + r.best_epoch + ")" : "") }),
          r.worker ? h("dt", { text: "Worker" }) : null, r.worker ? h("dd", { text: r.worker }) : null,
          r.compute_seconds ? h("dt", { text: "Compute" }) : null,
          r.compute_seconds ? h("dd", { text: fmtDuration(r.compute_seconds) }) : null,
          h("dt", { text: "Run id" }), h("dd", { text: r.id })
        ])
      ]));
      if (r.failure_reason) {
        nodes.push(h("div", { className: "card" }, [h("h2", { text: "Failure reason" }),
          h("div", { className: "failure-reason", id: "failure-reason", text: r.failure_reason })]));
      }
      var metrics = r.metrics || {};
      var keys = Object.keys(metrics).sort();
      if (keys.length) {
        nodes.push(h("div", { className: "card" }, [h("h2", { text: "Metrics" }),
          h("table", { className: "data", id: "run-metrics" }, [h("tbody", null, keys.map(function (k) {
            return h("tr", null, [h("td", { text: k }), h("td", { className: "num", text: fmt(metrics[k]) })]);
          }))])]));
      }
      var charts = h("div", { className: "charts-grid", id: "training-charts" });
      if (epochs.length) {
        var series = function (label, field) {
          return { label: label, points: epochs.map(function (e) { return [e.epoch, e[field]]; }) };
        };
        charts.appendChild(window.BLCharts.lineChart([series("train", "train_loss"), series("validation", "val_loss")],
          { title: "Loss (reconstruction + β·KL)", yLabel: "loss" }));
        charts.appendChild(window.BLCharts.lineChart([series("train", "recon"), series("validation", "val_recon")],
          { title: "Reconstruction", yLabel: "reconstruction" }));
        charts.appendChild(window.BLCharts.lineChart([series("train", "kl"), series("validation", "val_kl")],
          { title: "KL divergence", yLabel: "KL" }));
      } else {
        charts.appendChild(h("p", { className: "muted", text: "No epochs recorded yet." }));
      }
      nodes.push(h("div", { className: "card" }, [h("h2", { text: "Training" }), charts]));
      var images = h("div", { className: "images", id: "run-images" });
      var pictures = [["traversal", "Latent traversals (one row per latent)"],
        ["response", "Latent-factor response map"],
        ["reconstructions", "Reconstructions (inputs and their reconstructions)"]];
      if (r.images && typeof r.images === "object") {
        // The API lists the pictures it holds; show those (known kinds first, in this order).
        pictures = pictures.filter(function (p) { return r.images[p[0]]; });
        Object.keys(r.images).forEach(function (k) {
          if (!pictures.some(function (p) { return p[0] === k; })) pictures.push([k, k]);
        });
      } else if (r.status !== "completed") {
        pictures = [];
      }
      if (pictures.length) {
        pictures.forEach(function (pair) {
          var src = (r.images && r.images[pair[0]]) || "/runs/" + enc(id) + "/" + pair[0] + ".png";
          var img = h("img", { className: "artifact", id: "img-" + pair[0], alt: pair[1], src: src });
          var fig = h("figure", { dataset: { kind: pair[0] } }, [img, h("figcaption", { text: pair[1] })]);
          img.addEventListener("error", function () {
            fig.replaceChildren(h("figcaption", { text: pair[1] + ": not available for this run." }));
          });
          images.appendChild(fig);
        });
      } else {
        images.appendChild(h("p", { className: "muted", text: "Pictures appear once the run is evaluated." }));
      }
      nodes.push(h("div", { className: "card" }, [h("h2", { text: "Pictures" }), images]));
      if (r.config) {
        nodes.push(h("details", { className: "card" }, [h("summary", { text: "Configuration" }),
          h("pre", { text: JSON.stringify(r.config, null, 2) })]));
      }
      app.replaceChildren.apply(app, nodes);
    }
    function load() {
      getJSON("/runs/" + enc(id)).then(function (r) {
        render(r);
        if (isActive(r.status)) timer = setTimeout(load, POLL_MS);
      }).catch(function (err) { showError(app, err); });
    }
    load();
    return function () { if (timer) clearTimeout(timer); };
  }

  /* ---------- new experiment form ---------- */

  var DATASET_METRICS = {}, DEFAULT_METRICS = {};
  CATALOG.datasets.forEach(function (d) {
    DATASET_METRICS[d.name] = d.metrics;
    DEFAULT_METRICS[d.name] = d.default_metrics;
  });
  var MODEL_TYPES = CATALOG.model_types;
  var PRESET_NAMES = CATALOG.presets.map(function (p) { return p.name; });
  var TEMPLATES = {
    smoke: { model_types: ["fc"], betas: "1, 4", seeds: "1", label_fractions: "1.0" },
    quick: { model_types: ["fc", "conv"], betas: "0.5, 1, 2, 4, 8", seeds: "3", label_fractions: "0.1, 1.0" },
    paper: { model_types: MODEL_TYPES, range: { start: 0, stop: 16, step: 0.25 }, seeds: "5",
      label_fractions: "0.01, 0.1, 1.0" }
  };
  // Field names of the request body -> the form field that shows their messages.
  var FIELD_ALIASES = { training: "preset" };

  function parseList(text) {
    var parts = String(text).split(/[\s,;]+/).filter(function (s) { return s !== ""; });
    return parts.map(function (s) { var v = Number(s); return isFinite(v) ? v : s; });
  }

  function numberOrText(text) {
    var t = String(text).trim();
    if (t === "") return null;
    var v = Number(t);
    return isFinite(v) ? v : t;
  }

  function newPage(app) {
    function field(name, title, control, hint) {
      return h("div", { className: "field", dataset: { field: name } }, [
        h("label", { className: "title", "for": control.id || undefined, text: title }), control,
        hint ? h("div", { className: "hint", text: hint }) : null,
        h("div", { className: "field-error", id: "error-" + name, role: "alert" })
      ]);
    }
    var name = h("input", { type: "text", id: "f-name", name: "name", placeholder: "e.g. shapes β sweep" });
    var dataset = h("select", { id: "f-dataset", name: "dataset" }, CATALOG.datasets.map(function (d) {
      return h("option", { value: d.name, text: d.name + " (" + d.description + ")" });
    }));
    var preset = h("select", { id: "f-preset", name: "preset" }, PRESET_NAMES.map(function (p) {
      return h("option", { value: p, text: p });
    }));
    var modelBox = h("div", { className: "choices", id: "f-model-types" }, MODEL_TYPES.map(function (m) {
      return h("label", null, [h("input", { type: "checkbox", name: "model_types", value: m }), " " + m]);
    }));
    var betaMode = h("select", { id: "f-beta-mode" }, [h("option", { value: "list", text: "list" }),
      h("option", { value: "range", text: "range" })]);
    var betaList = h("input", { type: "text", id: "f-betas", name: "betas", placeholder: "1, 2, 4, 8" });
    var betaStart = h("input", { type: "text", className: "small", id: "f-beta-start", placeholder: "start" });
    var betaStop = h("input", { type: "text", className: "small", id: "f-beta-stop", placeholder: "stop" });
    var betaStep = h("input", { type: "text", className: "small", id: "f-beta-step", placeholder: "step" });
    var rangeBox = h("span", { className: "hidden", id: "beta-range" }, ["from ", betaStart, " to ", betaStop,
      " step ", betaStep]);
    var betaControl = h("div", { className: "row" }, [betaMode, betaList, rangeBox]);
    var seeds = h("input", { type: "text", id: "f-seeds", name: "seeds", placeholder: "3  or  0, 1, 2" });
    var fractions = h("input", { type: "text", id: "f-label-fractions", name: "label_fractions",
      placeholder: "0.01, 0.1, 1.0" });
    var metricBox = h("div", { className: "choices", id: "f-metrics" });
    var keyInput = h("input", { type: "password", id: "f-api-key", name: "api_key", autocomplete: "off",
      placeholder: "paste an API key" });
    var keyField = field("api_key", "API key", keyInput,
      "Writes need a key on this server (create one with `betalab keys create`). Kept in this browser's localStorage.");
    if (!apiKey()) keyField.classList.add("hidden");
    else keyInput.value = apiKey();
    var gridSize = h("span", { className: "muted", id: "grid-size" });
    var formError = h("div", { className: "form-error", id: "form-error", role: "alert" });
    var submit = h("button", { type: "submit", className: "primary", id: "submit", text: "Start experiment" });
    var fractionField = field("label_fractions", "Label fractions", fractions,
      "MNIST only: fractions of training labels the probes may use.");

    var templateButtons = h("div", { className: "row" }, [h("span", { text: "Fill a grid for a preset:" })].concat(
      PRESET_NAMES.map(function (p) {
        return h("button", { type: "button", className: "template-btn", dataset: { preset: p }, text: p,
          onclick: function () { applyTemplate(p); } });
      })));

    var form = h("form", { className: "card experiment-form", id: "experiment-form", novalidate: true }, [
      templateButtons,
      h("hr"),
      field("name", "Name", name),
      field("dataset", "Dataset", dataset),
      field("preset", "Training preset", preset, "smoke: seconds (tests) · quick: minutes · paper: the full schedule."),
      field("model_types", "Model types", modelBox),
      field("betas", "β values", betaControl, "A list, or a range with start, stop (inclusive) and step."),
      field("seeds", "Seeds", seeds, "A count (0…n−1) or a list of seeds."),
      fractionField,
      field("metrics", "Metrics", metricBox),
      keyField,
      formError,
      h("div", { className: "row" }, [submit, gridSize])
    ]);
    app.replaceChildren(h("h1", { text: "New experiment" }), form);

    function setMetrics(ds, keep) {
      var checked = {};
      (keep || DEFAULT_METRICS[ds]).forEach(function (m) { checked[m] = true; });
      metricBox.replaceChildren.apply(metricBox, DATASET_METRICS[ds].map(function (m) {
        return h("label", null, [h("input", { type: "checkbox", name: "metrics", value: m, checked: !!checked[m] }), " " + m]);
      }));
    }

    function syncDataset() {
      fractionField.classList.toggle("hidden", !WITH_FRACTIONS[dataset.value]);
      setMetrics(dataset.value);
      updateGridSize();
    }

    function syncBetaMode() {
      var range = betaMode.value === "range";
      betaList.classList.toggle("hidden", range);
      rangeBox.classList.toggle("hidden", !range);
      updateGridSize();
    }

    function applyTemplate(p) {
      var t = TEMPLATES[p];
      preset.value = p;
      Array.prototype.forEach.call(modelBox.querySelectorAll("input"), function (cb) {
        cb.checked = t.model_types.indexOf(cb.value) >= 0;
      });
      if (t.range) {
        betaMode.value = "range";
        betaStart.value = t.range.start; betaStop.value = t.range.stop; betaStep.value = t.range.step;
      } else {
        betaMode.value = "list";
        betaList.value = t.betas;
      }
      seeds.value = t.seeds;
      fractions.value = t.label_fractions;
      if (!name.value) name.value = dataset.value + " " + p + " sweep";
      syncBetaMode();
    }

    function body() {
      var b = {
        name: name.value.trim(),
        dataset: dataset.value,
        model_types: Array.prototype.filter.call(modelBox.querySelectorAll("input"), function (cb) {
          return cb.checked;
        }).map(function (cb) { return cb.value; }),
        training: { preset: preset.value },
        metrics: Array.prototype.filter.call(metricBox.querySelectorAll("input"), function (cb) {
          return cb.checked;
        }).map(function (cb) { return cb.value; })
      };
      if (betaMode.value === "range") {
        b.betas = { start: numberOrText(betaStart.value), stop: numberOrText(betaStop.value),
          step: numberOrText(betaStep.value) };
      } else {
        b.betas = parseList(betaList.value);
      }
      var s = parseList(seeds.value);
      b.seeds = s.length === 1 && seeds.value.indexOf(",") < 0 ? s[0] : s;
      if (WITH_FRACTIONS[dataset.value]) b.label_fractions = parseList(fractions.value);
      return b;
    }

    function updateGridSize() {
      var b = body(), nb = 0;
      if (Array.isArray(b.betas)) nb = b.betas.length;
      else if (typeof b.betas.start === "number" && typeof b.betas.stop === "number" &&
        typeof b.betas.step === "number" && b.betas.step > 0 && b.betas.stop >= b.betas.start) {
        nb = Math.floor((b.betas.stop - b.betas.start) / b.betas.step + 1e-9) + 1;
      }
      var ns = typeof b.seeds === "number" ? b.seeds : (Array.isArray(b.seeds) ? b.seeds.length : 0);
      var nf = b.label_fractions ? b.label_fractions.length : 1;
      var n = b.model_types.length * nb * ns * nf;
      gridSize.textContent = n > 0 ? "grid: " + n + " runs" : "";
    }

    function clearErrors() {
      Array.prototype.forEach.call(form.querySelectorAll(".field"), function (f) {
        f.classList.remove("invalid");
        f.querySelector(".field-error").textContent = "";
      });
      formError.textContent = "";
    }

    /* Put each 422 message next to the field its `loc` names; the rest above the button.
       (Two-shape fields, betas and seeds, are judged by the shape sent on the server, so each
       error here is about what the form sent.) */
    function showErrors(detail) {
      var byField = {}, general = [];
      var items = (Array.isArray(detail) ? detail : [{ loc: [], msg: String(detail) }]).map(function (d) {
        var loc = (d.loc || []).filter(function (p) { return p !== "body"; });
        return { field: loc.length ? String(loc[0]) : "", rest: loc.slice(1), msg: String(d.msg || "") };
      });
      items.forEach(function (it) {
        var key = FIELD_ALIASES[it.field] || it.field;
        var target = key && form.querySelector('.field[data-field="' + key + '"]');
        var where = it.rest.map(function (p) { return typeof p === "number" ? "item " + (p + 1) : String(p); });
        var msg = (where.length ? where.join(" ") + ": " : "") + it.msg.replace(/^Value error, /, "");
        if (target && !target.classList.contains("hidden")) {
          (byField[key] = byField[key] || []).push(msg);
        } else {
          general.push((it.field ? it.field + ": " : "") + msg);
        }
      });
      Object.keys(byField).forEach(function (key) {
        var f = form.querySelector('.field[data-field="' + key + '"]');
        f.classList.add("invalid");
        var uniq = byField[key].filter(function (m, i, a) { return a.indexOf(m) === i; });
        f.querySelector(".field-error").textContent = uniq.join("; ");
      });
      formError.textContent = general.join("; ");
      var firstBad = form.querySelector(".field.invalid input, .field.invalid select");
      if (firstBad) firstBad.focus();
    }

    function askForKey(message) {
      keyField.classList.remove("hidden");
      keyField.classList.add("invalid");
      keyField.querySelector(".field-error").textContent = message;
      keyInput.focus();
    }

    form.addEventListener("input", updateGridSize);
    form.addEventListener("change", updateGridSize);
    dataset.addEventListener("change", syncDataset);
    betaMode.addEventListener("change", syncBetaMode);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors();
      if (!keyField.classList.contains("hidden")) saveKey(keyInput.value.trim());
      submit.disabled = true;
      var sent = body();
      request("POST", "/experiments", sent).then(function (r) {
        submit.disabled = false;
        if (r.status === 201 || r.status === 200) {
          window.location.href = "/ui/experiments/" + enc(r.data.id);
        } else if (r.status === 401 || r.status === 403) {
          askForKey(apiKey() ? "The server refused this key (" + (detailText(r.data) || r.status) +
            "); paste a valid one." : "This server needs an API key to start experiments; paste one here.");
        } else if (r.status === 422) {
          showErrors(r.data && r.data.detail);
        } else {
          formError.textContent = "The server answered " + r.status + ": " + (detailText(r.data) || "error");
        }
      }).catch(function (err) {
        submit.disabled = false;
        formError.textContent = "Could not reach the server: " + err.message;
      });
    });

    syncDataset();
    applyTemplate("smoke");
    name.value = "";
    updateGridSize();
  }

  /* ---------- boot ---------- */

  var PAGES = { experiments: experimentsPage, experiment: experimentPage, run: runPage, "new": newPage };
  var app = document.getElementById("app");
  var page = document.body.dataset.page;
  if (PAGES[page]) PAGES[page](app, document.body.dataset.id);
  window.BLDashboard = { request: request, keyPrompt: keyPrompt, RunTable: RunTable };
})();
