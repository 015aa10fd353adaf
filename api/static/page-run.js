/* betalab dashboard: one run (/ui/runs/ID): training curves, pictures, failure. */
import { getJSON } from "./api.js";
import { h, enc, fmtDuration, statusBadge, isActive, showError, runEpochs, POLL_MS, fmt } from "./ui.js";
import { lineChart } from "./charts.js";

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
      charts.appendChild(lineChart([series("train", "train_loss"), series("validation", "val_loss")],
        { title: "Loss (reconstruction + β·KL)", yLabel: "loss" }));
      charts.appendChild(lineChart([series("train", "recon"), series("validation", "val_recon")],
        { title: "Reconstruction", yLabel: "reconstruction" }));
      charts.appendChild(lineChart([series("train", "kl"), series("validation", "val_kl")],
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

export { runPage };
