/* betalab dashboard: the experiments list (/). */
import { getJSON } from "./api.js";
import {
  h, enc, fmtTime, fmtDuration, statusBadge, progressBar, countsView, isActive, POLL_MS
} from "./ui.js";

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

export { experimentsPage };
