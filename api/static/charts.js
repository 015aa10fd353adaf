/* betalab charts: small SVG builders (curve with error bars and seed dots, line charts). */
var SVG_NS = "http://www.w3.org/2000/svg";
var PALETTE = ["#2b6cb0", "#dd6b20", "#2f855a", "#9f3a38", "#6b46c1", "#b7791f",
  "#319795", "#d53f8c", "#4a5568", "#718096"];

function el(name, attrs, parent) {
  var node = document.createElementNS(SVG_NS, name);
  if (attrs) {
    for (var key in attrs) {
      if (Object.prototype.hasOwnProperty.call(attrs, key) && attrs[key] !== undefined) {
        node.setAttribute(key, String(attrs[key]));
      }
    }
  }
  if (parent) parent.appendChild(node);
  return node;
}

function finite(v) { return typeof v === "number" && isFinite(v); }

/* A linear or log10 scale from [d0, d1] onto [r0, r1]. */
function scale(d0, d1, r0, r1, log) {
  var f = log ? function (v) { return Math.log10(v); } : function (v) { return v; };
  var a = f(d0), b = f(d1);
  if (a === b) { a -= 0.5; b += 0.5; }
  var s = function (v) { return r0 + (f(v) - a) / (b - a) * (r1 - r0); };
  s.log = !!log;
  s.domain = [d0, d1];
  return s;
}

/* About `count` round tick values covering [lo, hi]. */
function niceTicks(lo, hi, count) {
  if (lo === hi) { return [lo]; }
  var span = hi - lo;
  var step = Math.pow(10, Math.floor(Math.log10(span / count)));
  var err = span / count / step;
  if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
  var ticks = [];
  for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return ticks;
}

function logTicks(lo, hi) {
  var ticks = [];
  for (var p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    [1, 2, 5].forEach(function (m) {
      var v = m * Math.pow(10, p);
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    });
  }
  return ticks.length ? ticks : [lo, hi];
}

function fmt(v) {
  if (!finite(v)) return "–";
  var a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
}

function extent(values) {
  var lo = Infinity, hi = -Infinity;
  values.forEach(function (v) {
    if (finite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  });
  if (lo === Infinity) return [0, 1];
  if (lo === hi) { var pad = Math.abs(lo) * 0.1 || 1; return [lo - pad, hi + pad]; }
  var m = (hi - lo) * 0.06;
  return [lo - m, hi + m];
}

/* Frame: grid lines, axes, ticks and labels; returns {svg, x, y, plot}. */
function frame(opts) {
  var W = opts.width || 760, H = opts.height || 380;
  var m = { top: 14, right: 18, bottom: 42, left: 64 };
  var svg = el("svg", {
    "class": "chart " + (opts.className || ""), viewBox: "0 0 " + W + " " + H,
    width: W, height: H, role: "img", "aria-label": opts.title || "chart"
  });
  var x = scale(opts.xDomain[0], opts.xDomain[1], m.left, W - m.right, opts.logX);
  var y = scale(opts.yDomain[0], opts.yDomain[1], H - m.bottom, m.top, false);
  var grid = el("g", { "class": "grid" }, svg);
  var axes = el("g", { "class": "axis" }, svg);
  var xt = opts.logX ? logTicks(opts.xDomain[0], opts.xDomain[1])
    : niceTicks(opts.xDomain[0], opts.xDomain[1], 8);
  if (opts.integerX) xt = xt.filter(function (t) { return Math.abs(t - Math.round(t)) < 1e-9; });
  xt.forEach(function (t) {
    var px = x(t);
    el("line", { x1: px, x2: px, y1: m.top, y2: H - m.bottom }, grid);
    el("line", { x1: px, x2: px, y1: H - m.bottom, y2: H - m.bottom + 4 }, axes);
    el("text", { x: px, y: H - m.bottom + 16, "text-anchor": "middle" }, axes).textContent = fmt(t);
  });
  niceTicks(opts.yDomain[0], opts.yDomain[1], 6).forEach(function (t) {
    var py = y(t);
    el("line", { x1: m.left, x2: W - m.right, y1: py, y2: py }, grid);
    el("line", { x1: m.left - 4, x2: m.left, y1: py, y2: py }, axes);
    el("text", { x: m.left - 7, y: py + 4, "text-anchor": "end" }, axes).textContent = fmt(t);
  });
  el("line", { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom }, axes);
  el("line", { x1: m.left, x2: m.left, y1: m.top, y2: H - m.bottom }, axes);
  el("text", { x: (m.left + W - m.right) / 2, y: H - 6, "text-anchor": "middle",
    "class": "axis-label" }, axes).textContent = opts.xLabel || "";
  el("text", { x: 14, y: (m.top + H - m.bottom) / 2, "text-anchor": "middle",
    transform: "rotate(-90 14 " + (m.top + H - m.bottom) / 2 + ")",
    "class": "axis-label" }, axes).textContent = opts.yLabel || "";
  return { svg: svg, x: x, y: y, plot: el("g", { "class": "plot" }, svg) };
}

function legend(items) {
  var box = document.createElement("div");
  box.className = "legend";
  items.forEach(function (item) {
    var span = document.createElement("span");
    span.className = "legend-item";
    var sw = document.createElement("i");
    sw.style.background = item.color;
    span.appendChild(sw);
    span.appendChild(document.createTextNode(item.label));
    box.appendChild(span);
  });
  return box;
}

/* How a strength axis is written: the objective's strength name as a symbol. */
function strengthSymbol(name) {
  return { beta: "β", gamma: "γ", lambda_od: "λ_od" }[name] || name || "β";
}

function seriesLabel(p) {
  if (p.label_fraction === null || p.label_fraction === undefined) return p.model_type;
  return p.model_type + " · " + (Math.round(p.label_fraction * 1000) / 10) + "% labels";
}

/* The beta curve: mean ± std error bars per (model type, label fraction), a dot per seed.
   Returns a <div> holding the legend and the SVG. */
function curveChart(points, opts) {
  opts = opts || {};
  var groups = [], byKey = {};
  points.forEach(function (p) {
    var key = p.model_type + "|" + p.label_fraction;
    if (!byKey[key]) {
      byKey[key] = { key: key, label: seriesLabel(p), points: [] };
      groups.push(byKey[key]);
    }
    byKey[key].points.push(p);
  });
  var betas = [], ys = [];
  points.forEach(function (p) {
    betas.push(p.beta);
    if (finite(p.mean)) {
      var sd = finite(p.std) ? p.std : 0;
      ys.push(p.mean - sd, p.mean + sd);
    }
    (p.values || []).forEach(function (v) { ys.push(v); });
  });
  var logX = !!opts.logX && betas.every(function (b) { return b > 0; });
  var xd;
  if (logX) {
    var lo = Math.min.apply(null, betas), hi = Math.max.apply(null, betas);
    xd = lo === hi ? [lo / 2, hi * 2] : [lo / Math.pow(hi / lo, 0.04), hi * Math.pow(hi / lo, 0.04)];
  } else {
    xd = extent(betas);
  }
  var f = frame({
    xDomain: xd, yDomain: extent(ys), logX: logX, className: "curve-chart",
    xLabel: opts.xLabel || "β", yLabel: opts.metric || "", title: "curve of " + (opts.metric || "metric"),
    width: opts.width, height: opts.height
  });
  var n = groups.length;
  groups.forEach(function (g, gi) {
    var color = PALETTE[gi % PALETTE.length];
    g.color = color;
    var dx = (gi - (n - 1) / 2) * 7;  // dodge series that share a beta
    var layer = el("g", { "class": "series", "data-series": g.label }, f.plot);
    var sorted = g.points.slice().sort(function (a, b) { return a.beta - b.beta; });
    var path = sorted.filter(function (p) { return finite(p.mean); }).map(function (p) {
      return (f.x(p.beta) + dx).toFixed(1) + "," + f.y(p.mean).toFixed(1);
    });
    if (path.length > 1) {
      el("polyline", { "class": "curve-line", points: path.join(" "), stroke: color }, layer);
    }
    sorted.forEach(function (p) {
      var cx = f.x(p.beta) + dx;
      (p.values || []).forEach(function (v, vi) {
        if (!finite(v)) return;
        var jitter = ((vi * 7919) % 11 - 5) * 0.9;  // deterministic spread
        var dot = el("circle", { "class": "seed-dot", cx: (cx + jitter).toFixed(1),
          cy: f.y(v).toFixed(1), r: 2.6, fill: color }, layer);
        el("title", null, dot).textContent = g.label + " β=" + fmt(p.beta) + ": " + fmt(v);
      });
      if (!finite(p.mean)) return;
      var sd = finite(p.std) ? p.std : 0;
      var y0 = f.y(p.mean - sd), y1 = f.y(p.mean + sd);
      el("line", { "class": "error-bar", x1: cx, x2: cx, y1: y0, y2: y1, stroke: color }, layer);
      el("line", { "class": "error-cap", x1: cx - 4, x2: cx + 4, y1: y0, y2: y0, stroke: color }, layer);
      el("line", { "class": "error-cap", x1: cx - 4, x2: cx + 4, y1: y1, y2: y1, stroke: color }, layer);
      var pt = el("circle", { "class": "curve-point", cx: cx, cy: f.y(p.mean), r: 4.5,
        fill: "#fff", stroke: color, "stroke-width": 2, "data-beta": p.beta,
        "data-model-type": p.model_type, "data-mean": p.mean }, layer);
      // one run has no spread (std null): say so rather than "± 0"
      el("title", null, pt).textContent = g.label + " β=" + fmt(p.beta) + ": mean " +
        fmt(p.mean) + (finite(p.std) ? " ± " + fmt(p.std) : "") + " (n=" + p.n + ")";
    });
  });
  var box = document.createElement("div");
  box.className = "curve-box";
  box.appendChild(legend(groups.map(function (g) { return { label: g.label, color: g.color }; })));
  box.appendChild(f.svg);
  return box;
}

/* The cost of disentanglement (GET /results/ID/tradeoff): y against x, a dot per run and, per
   series (objective, model type, label fraction), its mean at each strength joined in order of
   strength, labelled with the strength. Returns a <div> holding the legend and the SVG. */
function tradeoffChart(data, opts) {
  opts = opts || {};
  var xs = [], ys = [];
  data.points.forEach(function (p) { xs.push(p.x); ys.push(p.y); });
  data.series.forEach(function (s) {
    s.means.forEach(function (m) { xs.push(m.x_mean); ys.push(m.y_mean); });
  });
  var f = frame({
    xDomain: extent(xs), yDomain: extent(ys), className: "tradeoff-chart",
    xLabel: data.x, yLabel: data.y, title: data.y + " against " + data.x,
    width: opts.width, height: opts.height
  });
  function key(p) { return p.objective + "|" + p.model_type + "|" + p.label_fraction; }
  function label(s) {
    return (s.objective === "beta_vae" ? "" : s.objective + " · ") + seriesLabel(s);
  }
  var name = strengthSymbol(data.strength_name);
  data.series.forEach(function (s, i) {
    s.color = PALETTE[i % PALETTE.length];
    s.label = label(s);
    var layer = el("g", { "class": "series", "data-series": s.label }, f.plot);
    data.points.filter(function (p) { return key(p) === key(s); }).forEach(function (p) {
      var dot = el("circle", { "class": "tradeoff-dot", cx: f.x(p.x).toFixed(1),
        cy: f.y(p.y).toFixed(1), r: 2.6, fill: s.color }, layer);
      el("title", null, dot).textContent = s.label + " " + name + "=" + fmt(p.strength) +
        " seed " + p.seed + ": " + data.x + " " + fmt(p.x) + ", " + data.y + " " + fmt(p.y);
    });
    var path = s.means.map(function (m) {
      return f.x(m.x_mean).toFixed(1) + "," + f.y(m.y_mean).toFixed(1);
    });
    if (path.length > 1) {
      el("polyline", { "class": "tradeoff-line", points: path.join(" "), stroke: s.color }, layer);
    }
    s.means.forEach(function (m) {
      var cx = f.x(m.x_mean), cy = f.y(m.y_mean);
      var pt = el("circle", { "class": "tradeoff-mean", cx: cx, cy: cy, r: 4.5, fill: "#fff",
        stroke: s.color, "stroke-width": 2, "data-strength": m.strength,
        "data-model-type": s.model_type }, layer);
      el("title", null, pt).textContent = s.label + " " + name + "=" + fmt(m.strength) + ": " +
        data.x + " " + fmt(m.x_mean) + ", " + data.y + " " + fmt(m.y_mean) + " (n=" + m.n + ")";
      el("text", { "class": "tradeoff-label", x: cx + 6, y: cy - 6 }, layer).textContent =
        fmt(m.strength);
    });
  });
  var box = document.createElement("div");
  box.className = "tradeoff-box";
  box.appendChild(legend(data.series.map(function (s) { return { label: s.label, color: s.color }; })));
  box.appendChild(f.svg);
  return box;
}

/* Line chart of per-epoch series: [{label, points: [[x, y], ...]}]. */
function lineChart(series, opts) {
  opts = opts || {};
  var xs = [], ys = [];
  series.forEach(function (s) {
    s.points.forEach(function (p) { if (finite(p[1])) { xs.push(p[0]); ys.push(p[1]); } });
  });
  var xd = xs.length ? [Math.min.apply(null, xs), Math.max.apply(null, xs)] : [0, 1];
  if (xd[0] === xd[1]) xd = [xd[0] - 1, xd[1] + 1];
  var f = frame({
    xDomain: xd, yDomain: extent(ys), className: "line-chart", xLabel: opts.xLabel || "epoch",
    integerX: opts.integerX !== false,
    yLabel: opts.yLabel || "", title: opts.title, width: opts.width || 420, height: opts.height || 260
  });
  series.forEach(function (s, i) {
    s.color = s.color || PALETTE[i % PALETTE.length];
    var pts = s.points.filter(function (p) { return finite(p[1]); });
    var d = pts.map(function (p, j) {
      return (j ? "L" : "M") + f.x(p[0]).toFixed(1) + "," + f.y(p[1]).toFixed(1);
    }).join("");
    if (d) {
      el("path", { "class": "chart-line", d: d, stroke: s.color, "data-series": s.label }, f.plot);
    }
    if (pts.length <= 40) {
      pts.forEach(function (p) {
        var c = el("circle", { "class": "chart-dot", cx: f.x(p[0]), cy: f.y(p[1]), r: 2.5,
          fill: s.color }, f.plot);
        el("title", null, c).textContent = s.label + " epoch " + p[0] + ": " + fmt(p[1]);
      });
    }
  });
  var box = document.createElement("div");
  box.className = "chart-box";
  if (opts.title) {
    var h = document.createElement("h3");
    h.textContent = opts.title;
    box.appendChild(h);
  }
  box.appendChild(legend(series.map(function (s) { return { label: s.label, color: s.color }; })));
  box.appendChild(f.svg);
  return box;
}

export { curveChart, lineChart, tradeoffChart, strengthSymbol, fmt, PALETTE as palette };
