/* betalab dashboard: one experiment (/ui/experiments/ID): curve, cost of disentanglement, findings,
   runs. */
import { request, getJSON, getText, parseCSV, detailText } from "./api.js";
import {
  h, enc, fmtTime, fmtDuration, statusBadge, progressBar, countsView, isActive, showError,
  keyPrompt, runEpochs, RUN_PAGE_SIZE, POLL_MS, CATALOG, WITH_FRACTIONS, fmt
} from "./ui.js";
import { curveChart, tradeoffChart, strengthSymbol } from "./charts.js";
import { RunTable } from "./runtable.js";

// Metric group -> the result keys it yields, and objective -> its strength's name, from the
// catalog the page embeds (GET /catalog).
var METRIC_KEYS = {};
CATALOG.metrics.forEach(function (m) { METRIC_KEYS[m.name] = m.keys; });
var STRENGTHS = {};
(CATALOG.objectives || []).forEach(function (o) { STRENGTHS[o.name] = o.strength; });

function objectiveOf(e) {
  return (e && e.spec && e.spec.training && e.spec.training.objective) || "beta_vae";
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
  // The cost of disentanglement: one result against another, a mean per β joined in order.
  var tradeoffX = h("select", { id: "tradeoff-x", onchange: function () { loadTradeoff(); } });
  var tradeoffY = h("select", { id: "tradeoff-y", onchange: function () { loadTradeoff(); } });
  var tradeoffBox = h("div", { id: "tradeoff" });
  var tradeoffCard = h("div", { className: "card", id: "tradeoff-card", hidden: true }, [
    h("div", { className: "row" }, [h("h2", { text: "Cost of disentanglement" }),
      h("label", null, ["x ", tradeoffX]), h("label", null, ["y ", tradeoffY])]),
    h("p", { className: "hint", text: "A dot per run; a line through the means per β, in order of β: what a larger β buys in y and pays in x." }),
    tradeoffBox
  ]);
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
    tradeoffCard,
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
      h("dt", { text: "Objective" }), h("dd", { id: "experiment-objective", text: objectiveOf(e) }),
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
    updateTradeoffSelects(keys);
    return true;
  }

  /* x defaults to the reconstruction cost, y to the curve's metric (the figure's score). */
  function updateTradeoffSelects(keys) {
    tradeoffCard.hidden = keys.length < 2;
    [tradeoffX, tradeoffY].forEach(function (select) {
      select.replaceChildren.apply(select, keys.map(function (k) { return h("option", { value: k, text: k }); }));
    });
    tradeoffY.value = keys[0];
    tradeoffX.value = keys.indexOf("recon_loss") >= 0 ? "recon_loss" : keys[1];
  }

  function loadTradeoff() {
    if (tradeoffCard.hidden) return;
    var x = tradeoffX.value, y = tradeoffY.value;
    getJSON("/results/" + enc(id) + "/tradeoff?x=" + enc(x) + "&y=" + enc(y)).then(function (t) {
      if (x !== tradeoffX.value || y !== tradeoffY.value) return;  // a newer choice
      if (!t.points.length) {
        tradeoffBox.replaceChildren(h("p", { className: "muted", text: "No completed runs with both " + x + " and " + y + " yet." }));
        return;
      }
      tradeoffBox.replaceChildren(tradeoffChart(t));
    }).catch(function (err) {
      tradeoffBox.replaceChildren(h("p", { className: "form-error", text: "Could not load the trade-off: " + err.message }));
    });
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
      loadTradeoff();
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
        var xLabel = strengthSymbol(STRENGTHS[objectiveOf(state.exp)]);
        curveBox.replaceChildren(curveChart(points, { metric: metric, logX: logBox.checked, xLabel: xLabel }));
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

export { experimentPage };
