/* betalab dashboard: the virtualised, sortable run table. */
import { h } from "./ui.js";

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

export { RunTable };
