/* betalab dashboard: the catalog, DOM building and formatting shared by the pages. */
import { fmt } from "./charts.js";
import { saveKey } from "./api.js";

var ACTIVE = { queued: true, running: true, evaluating: true };
var RUN_STATES = ["queued", "running", "evaluating", "completed", "failed", "cancelled"];
var RUN_PAGE_SIZE = 500;
var POLL_MS = 2000;
// Datasets, model types, metrics and presets as the server defines them (GET /catalog).
var CATALOG = JSON.parse(document.getElementById("catalog").textContent);
var WITH_FRACTIONS = {};
CATALOG.datasets.forEach(function (d) { WITH_FRACTIONS[d.name] = d.label_fractions; });

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

function runEpochs(r) {
  if (typeof r.epochs_done === "number") return r.epochs_done;
  if (typeof r.epochs === "number") return r.epochs;
  if (Array.isArray(r.epochs)) return r.epochs.length;
  return null;
}

export {
  runEpochs, h, enc, fmtTime, fmtDuration, statusBadge, progressBar, countsView, isActive,
  showError, keyPrompt, ACTIVE, RUN_STATES, RUN_PAGE_SIZE, POLL_MS, CATALOG, WITH_FRACTIONS, fmt
};
