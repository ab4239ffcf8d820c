// oathctl's pages: plain JavaScript that only improves pages which work without it (times in the
// reader's zone, sortable tables), plus the admin's upload, which talks to the JSON API.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

// Times: the server writes UTC; show the reader's local time and how far away it is.
function relative(date) {
  const minutes = Math.round((date - Date.now()) / 60000);
  if (minutes === 0) return "now";
  const span = Math.abs(minutes) < 120 ? `${Math.abs(minutes)} minute${Math.abs(minutes) === 1 ? "" : "s"}`
    : `${Math.round(Math.abs(minutes) / 60)} hours`;
  return minutes > 0 ? `in ${span}` : `${span} ago`;
}
function localTimes(root) {
  for (const element of root.querySelectorAll("time[datetime]")) {
    const date = new Date(element.getAttribute("datetime"));
    if (isNaN(date)) continue;
    element.textContent = `${date.toLocaleString()} (${relative(date)})`;
  }
}

// Tables with sortable columns: each header holds a button; numbers sort as numbers.
function sortable(table) {
  const headers = [...table.querySelectorAll("thead th")];
  headers.forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = [...body.rows];
      const key = (row) => row.cells[column]?.textContent ?? "";
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const order = (x !== "" && y !== "" && !isNaN(x) && !isNaN(y)) ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach((row) => body.appendChild(row));
    });
  });
}

// The admin's upload: validate (findings, report download), then import the accepted rows.
function upload(form) {
  const status = document.getElementById("upload-status");
  const progress = document.getElementById("upload-progress");
  const results = document.getElementById("upload-results");
  const say = (text, kind) => { status.textContent = text; status.className = `status ${kind || ""}`; };

  async function headers() {
    const result = { "X-CSRF-Token": csrf() };
    const keyFile = form.elements["pskc-key-file"].files[0];
    if (keyFile) result["X-PSKC-Key"] = (await keyFile.text()).trim();
    const password = form.elements["pskc-password"].value;
    if (password) result["X-PSKC-Password"] = password;
    return result;
  }
  function query(file) {
    const parameters = new URLSearchParams({ name: file.name });
    for (const flag of ["entra", "atomic"]) if (form.elements[flag].checked) parameters.set(flag, "true");
    for (const field of ["manufacturer", "model"]) if (form.elements[field].value) parameters.set(field, form.elements[field].value);
    return parameters;
  }
  // XMLHttpRequest, not fetch: it reports upload progress.
  function send(path, file, extraHeaders, accept) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      for (const [name, value] of Object.entries(extraHeaders)) request.setRequestHeader(name, value);
      request.setRequestHeader("Accept", accept || "application/json");
      request.responseType = accept === "text/csv" ? "blob" : "json";
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) { progress.hidden = false; progress.max = event.total; progress.value = event.loaded; }
        if (event.loaded === event.total) say("Uploaded; checking every row…");
      };
      request.onload = () => resolve(request);
      request.onerror = () => reject(new Error("the server could not be reached"));
      request.send(file);
    });
  }
  function errorText(request) {
    if (request.status === 401) return "Your session has ended: sign in again.";
    return request.response?.error?.message || `the server answered ${request.status}`;
  }
  function cell(row, text) { const td = row.insertCell(); td.textContent = text; return td; }
  function show(summary, file) {
    results.replaceChildren();
    const heading = document.createElement("h2");
    heading.textContent = `${summary.file}: ${summary.rowsRead} rows read, ${summary.accepted} accepted, ${summary.rejected} rejected, ${summary.warnings} warnings`;
    results.appendChild(heading);
    const counts = document.createElement("table");
    counts.id = "finding-counts";
    counts.className = "counts";
    counts.createTHead().insertRow().append(...["code", "findings"].map((name) => Object.assign(document.createElement("th"), { textContent: name })));
    const countBody = counts.createTBody();
    for (const [code, count] of Object.entries(summary.counts).sort()) { const row = countBody.insertRow(); cell(row, code); cell(row, String(count)); }
    results.appendChild(counts);
    const table = document.createElement("table");
    table.id = "findings";
    table.createTHead().insertRow().append(...["line", "upn", "serial", "field", "code", "message"]
      .map((name) => Object.assign(document.createElement("th"), { textContent: name, scope: "col" })));
    const body = table.createTBody();
    for (const finding of summary.findings) {
      const row = body.insertRow();
      for (const key of ["line", "upn", "serial", "field", "code", "message"]) cell(row, String(finding[key]));
    }
    const wrapper = document.createElement("div");
    wrapper.className = "wide";
    wrapper.appendChild(table);
    results.appendChild(wrapper);
    sortable(table);
    if (summary.findingsTotal > summary.findings.length) {
      const note = document.createElement("p");
      note.textContent = `The first ${summary.findings.length} of ${summary.findingsTotal} findings are shown; the report holds them all.`;
      results.appendChild(note);
    }
    const reportName = `Failures_${file.name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9._-]/g, "_") || "upload"}.csv`;
    const download = Object.assign(document.createElement("button"), { type: "button", id: "download-report", textContent: `Download ${reportName}` });
    download.className = "secondary";
    download.addEventListener("click", async () => {
      const request = await send(`/api/v1/validate?${query(file)}`, file, await headers(), "text/csv");
      if (request.status !== 200) return say(errorText(request), "bad");
      const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(request.response), download: reportName });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
    results.appendChild(download);
    if (summary.accepted > 0) {
      const importButton = Object.assign(document.createElement("button"), { type: "button", id: "import-accepted",
        textContent: `Import the ${summary.accepted} accepted rows` });
      importButton.addEventListener("click", async () => {
        importButton.disabled = true;
        say("Importing…");
        const request = await send(`/api/v1/imports?${query(file)}`, file, await headers());
        progress.hidden = true;
        if (request.status !== 201 && request.status !== 200) return say(errorText(request), "bad");
        const stored = request.response.stored;
        if (!stored.committed) return say("Nothing was stored: rows were rejected and 'store nothing when a row is rejected' is on.", "warn");
        say(`Imported: ${stored.added} added, ${stored.assigned} assigned, ${stored.unchanged} unchanged (batch ${stored.batch}).`, "ok");
        const batches = Object.assign(document.createElement("a"), { href: "/batches", textContent: "See the batches", id: "see-batches" });
        results.appendChild(batches);
      });
      results.appendChild(document.createTextNode(" "));
      results.appendChild(importButton);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return say("Choose a token file first.", "bad");
    say("Uploading…");
    try {
      const request = await send(`/api/v1/validate?${query(file)}`, file, await headers());
      progress.hidden = true;
      if (request.status !== 200) return say(errorText(request), "bad");
      say(`Checked ${file.name}.`, request.response.rejected > 0 ? "warn" : "ok");
      show(request.response, file);
    } catch (error) {
      say(error.message, "bad");
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes(document);
  document.querySelectorAll("table.sortable").forEach(sortable);
  const form = document.getElementById("upload-form");
  if (form) upload(form);
});
