/* betalab dashboard: the new-experiment form (/ui/new). */
import { apiKey, saveKey, request, detailText } from "./api.js";
import { h, enc, CATALOG, WITH_FRACTIONS } from "./ui.js";

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

export { newPage };
