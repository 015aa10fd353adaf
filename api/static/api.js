/* betalab dashboard: the API key and requests to the JSON API. */
const KEY_STORAGE = "betalab.apiKey";

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

export { apiKey, saveKey, request, getJSON, getText, parseCSV, detailText };
