// The manage page's import form: one stream-role choice per chosen file, pre-filled when the
// schema leaves no doubt (the same rule as annotation/stream_roles.py guess_roles). Loaded as a
// file of its own: the site's Content-Security-Policy runs no inline script without its nonce.
"use strict";

(function () {
  function parseRoles(text) {
    var out = [];
    (text || "").split(",").forEach(function (pair) {
      var i = pair.lastIndexOf(":");
      if (i > 0) out.push({ role: pair.slice(0, i), kind: pair.slice(i + 1) });
    });
    return out;
  }

  function fileKind(file) {
    var type = file.type || "";
    if (type.indexOf("video/") === 0) return "video";
    if (type.indexOf("audio/") === 0) return "audio";
    if (type.indexOf("text/") === 0 || /\.(txt|text)$/i.test(file.name)) return "text";
    if (type.indexOf("image/") === 0) return "image";
    return "";
  }

  function guess(roles, kind) {
    var fits = roles.filter(function (r) { return r.kind === kind; });
    if (!fits.length && kind === "video") fits = roles.filter(function (r) { return r.kind === "audio"; });
    return fits.length === 1 ? fits[0].role : "";
  }

  function render(input, box, group) {
    var roles = parseRoles(input.getAttribute("data-stream-roles"));
    box.textContent = "";
    var chosen = [];
    Array.prototype.forEach.call(input.files || [], function (file, i) {
      var row = document.createElement("p");
      var label = document.createElement("label");
      label.textContent = file.name + " → role ";
      var select = document.createElement("select");
      select.name = "roles";
      select.setAttribute("data-testid", "import-role-" + i);
      var names = roles.map(function (r) { return r.role; });
      if (names.indexOf("media") < 0) names.push("media");
      [""].concat(names).forEach(function (name) {
        var option = document.createElement("option");
        option.value = name;
        option.textContent = name || "(choose)";
        select.appendChild(option);
      });
      select.value = guess(roles, fileKind(file));
      chosen.push(select.value);
      label.appendChild(select);
      row.appendChild(label);
      box.appendChild(row);
    });
    // Several files that fill distinct roles of the schema are one item's streams.
    var distinct = chosen.filter(function (r, i) { return r && chosen.indexOf(r) === i; });
    if (group && chosen.length > 1 && distinct.length === chosen.length) group.value = "item";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector('[data-testid="import-files"]');
    var box = document.getElementById("import-roles");
    var group = document.querySelector('[data-testid="import-group"]');
    if (!input || !box) return;
    input.addEventListener("change", function () { render(input, box, group); });
  });
})();

// Live progress: while a job runs or media is being processed, poll the page's JSON and move the
// bars in place; stop once everything is settled (a new job starts with a page load anyway).
(function () {
  var POLL_MS = 2000;
  var SETTLED = { succeeded: true, partial: true, failed: true };

  function text(el, value) { if (el) el.textContent = value; }

  function apply(state) {
    var busy = false;
    state.jobs.forEach(function (job) {
      var bar = document.querySelector('[data-job-progress="' + job.id + '"]');
      if (bar) bar.value = job.progress;
      text(document.querySelector('[data-job-percent="' + job.id + '"]'), job.progress + "%");
      // The status is the cell's first text; a pill or an error may follow it and stays.
      var cell = document.querySelector('[data-job-status="' + job.id + '"]');
      if (cell && cell.firstChild && cell.firstChild.nodeType === 3) cell.firstChild.nodeValue = job.status;
      if (!SETTLED[job.status]) busy = true;
    });
    var media = state.media;
    var ready = media.counts.ready || 0;
    var bar = document.querySelector('[data-testid="media-progress"]');
    if (bar) { bar.max = media.total; bar.value = ready; }
    text(document.querySelector('[data-testid="media-summary"]'), ready + " of " + media.total + " streams ready" +
      (media.counts.failed ? ", " + media.counts.failed + " failed" : ""));
    var table = document.querySelector('[data-testid="media-streams"]');
    if (table) {
      while (table.rows.length > 1) table.deleteRow(1);
      media.streams.forEach(function (s) {
        var row = table.insertRow();
        [s.item, s.role, s.kind, s.status, s.error].forEach(function (v, i) {
          var cell = row.insertCell();
          cell.textContent = v;
          if (i === 4) cell.className = "error";
        });
        if (s.status === "pending" || s.status === "processing") busy = true;
      });
      if (!media.streams.length) {
        var cell = table.insertRow().insertCell();
        cell.colSpan = 5;
        cell.className = "muted";
        cell.textContent = "Every stream is ready.";
      }
    }
    if (renderReleases(state.releases || [])) busy = true;
    return busy;
  }

  function size(n) {
    if (n === null || n === undefined) return "";
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return (i ? n.toFixed(1) : String(n)) + " " + units[i];
  }

  function cell(row, value, className) {
    var c = row.insertCell();
    if (value instanceof Node) c.appendChild(value); else c.textContent = value === null || value === undefined ? "" : value;
    if (className) c.className = className;
    return c;
  }

  // The releases table, rebuilt from the polled state: a remake appears and moves without a reload.
  function renderReleases(releases) {
    var table = document.querySelector('[data-testid="releases"]');
    if (!table) return false;
    var busy = false;
    while (table.rows.length > 1) table.deleteRow(1);
    releases.forEach(function (r) {
      var row = table.insertRow();
      row.setAttribute("data-testid", "release-" + r.id);
      cell(row, r.version);
      cell(row, r.format);
      var status = cell(row, r.status + (r.same_bytes === true ? " · same bytes" : r.same_bytes === false ? " · bytes differ" : ""));
      status.setAttribute("data-release-status", r.id);
      if (r.error) { var err = document.createElement("span"); err.className = "error"; err.textContent = " " + r.error; status.appendChild(err); }
      cell(row, size(r.bytes));
      var code = document.createElement("code");
      code.textContent = (r.sha256 || "").slice(0, 16);
      code.title = r.sha256 || "";
      cell(row, code);
      var who = cell(row, r.created_by || "—");
      who.appendChild(document.createElement("br"));
      var when = document.createElement("span");
      when.className = "muted";
      when.textContent = r.created_label || "";
      who.appendChild(when);
      var actions = cell(row, "");
      if (r.download_url) {
        var a = document.createElement("a");
        a.href = r.download_url;
        a.textContent = "Download";
        a.setAttribute("data-testid", "release-download-" + r.id);
        actions.appendChild(a);
        actions.appendChild(document.createTextNode(" "));
      }
      if (r.can_remake) {
        var b = document.createElement("button");
        b.className = "btn secondary";
        b.textContent = "Remake";
        b.setAttribute("data-remake", r.id);
        b.setAttribute("data-testid", "remake-" + r.id);
        actions.appendChild(b);
      }
      if (!SETTLED[r.status]) busy = true;
    });
    if (!releases.length) {
      var empty = table.insertRow().insertCell();
      empty.colSpan = 7;
      empty.className = "muted";
      empty.textContent = "No release yet: give an export a release name.";
    }
    return busy;
  }

  var polling = false;
  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state && apply(state)) setTimeout(function () { poll(url); }, POLL_MS);
        else polling = false;
      })
      .catch(function () { setTimeout(function () { poll(url); }, POLL_MS * 5); });
  }

  function startPolling(url) {
    if (polling) return;
    polling = true;
    poll(url);
  }

  // Remake a release through the export API; the new job then shows up through the polling.
  function remake(button, exportsUrl, progressUrl) {
    var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
    var error = document.querySelector('[data-testid="remake-error"]');
    button.disabled = true;
    fetch(exportsUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ remake_of: Number(button.getAttribute("data-remake")) })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error(body.detail || ("HTTP " + r.status));
        text(error, "");
        startPolling(progressUrl);
      });
    }).catch(function (e) {
      text(error, "Remake failed: " + e.message);
      button.disabled = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("media-status");
    if (!root) return;
    var progressUrl = root.getAttribute("data-progress-url");
    startPolling(progressUrl);
    var releases = document.getElementById("releases");
    if (releases) releases.addEventListener("click", function (e) {
      var button = e.target.closest("[data-remake]");
      if (button) remake(button, releases.getAttribute("data-exports-url"), progressUrl);
    });
  });
})();
