// My files: uploads with progress, speed, time left and cancel; the list, kept in step
// without reloading; sort, preview, share and delete.
import { api, confirmAction, csrfToken, formatDate, formatSize, toLogin } from "./app.js";
import { renderPreview } from "./preview.js";
import { setUpShareDialog } from "./share.js";

const app = document.getElementById("files-app");
const t = JSON.parse(app.dataset.i18n);
const previewable = app.dataset.previewable.split(",");
const list = app.querySelector("[data-file-list]");
const uploads = app.querySelector("[data-upload-list]");
const live = app.querySelector("[data-live]");
const empty = app.querySelector("[data-empty]");
const counter = app.querySelector("[data-count]");
const rowTemplate = document.getElementById("file-row-template");
const openShare = setUpShareDialog(t);
const TUS_THRESHOLD = 8 * 1024 * 1024;
const PARALLEL = 3;

const fill = (text, values) => text.replace(/%\((\w+)\)s|\{(\w+)\}/g, (_, a, b) => values[a || b]);
const announce = (text) => { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); };

function canPreview(type) {
  return previewable.some((allowed) => type === allowed || (allowed.endsWith("/") && type.startsWith(allowed)));
}

function updateCount() {
  const n = list.children.length;
  counter.textContent = n === 0 ? t.file_none : fill(n === 1 ? t.file_one : t.file_other, { n });
  empty.classList.toggle("is-hidden", n > 0);
}

function fileOf(row) {
  return { id: Number(row.dataset.id), name: row.dataset.name, type: row.dataset.type };
}

function iconFor(type) {
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("text/")) return "text";
  return /zip|compressed|tar/.test(type) ? "archive" : "file";
}

function addRow(file) {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  Object.assign(row.dataset, { id: file.id, name: file.name, type: file.type, size: file.size, date: file.created_at });
  row.querySelector('[data-field="name"]').textContent = file.name;
  row.querySelector('[data-field="type"]').textContent = file.type;
  row.querySelector('[data-field="size"]').textContent = formatSize(file.size);
  const time = row.querySelector('[data-field="date"]');
  time.dateTime = file.created_at;
  time.textContent = formatDate(file.created_at);
  row.querySelector('[data-action="download"]').href = `/api/v1/files/${file.id}/download`;
  row.querySelector('[data-action="preview"]').hidden = !canPreview(file.type);
  const use = row.querySelector("[data-icon] use");
  use.setAttribute("href", use.getAttribute("href").replace(/#.*$/, `#${iconFor(file.type)}`));
  list.prepend(row);
  sortList();
  updateCount();
}

// Sorting
const sortSelect = app.querySelector("[data-sort]");
const keys = {
  date: (row) => Date.parse(row.dataset.date) || 0,
  name: (row) => row.dataset.name.toLocaleLowerCase(),
  size: (row) => Number(row.dataset.size),
  type: (row) => row.dataset.type,
};
function sortList() {
  const [key, direction] = sortSelect.value.split("-");
  const sign = direction === "desc" ? -1 : 1;
  const collator = new Intl.Collator(document.documentElement.lang, { numeric: true });
  const rows = [...list.children].sort((a, b) => {
    const x = keys[key](a), y = keys[key](b);
    const order = typeof x === "string" ? collator.compare(x, y) : x - y;
    return sign * (order || Number(b.dataset.id) - Number(a.dataset.id));
  });
  list.append(...rows);
}
sortSelect.addEventListener("change", sortList);

// Row actions
const previewDialog = document.getElementById("preview-dialog");
previewDialog.querySelector("[data-close]").addEventListener("click", () => previewDialog.close());
previewDialog.addEventListener("close", () => previewDialog.querySelector("[data-preview-area]").replaceChildren());

list.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action]");
  if (!button || button.dataset.action === "download") return;
  const row = button.closest(".file-row");
  const file = fileOf(row);
  if (button.dataset.action === "share") openShare(file);
  if (button.dataset.action === "preview") {
    previewDialog.querySelector("[data-preview-title]").textContent = file.name;
    previewDialog.querySelector("[data-preview-download]").href = `/api/v1/files/${file.id}/download`;
    previewDialog.showModal();
    renderPreview(previewDialog.querySelector("[data-preview-area]"), {
      url: `/files/${file.id}/preview`, type: file.type, name: file.name,
      messages: { truncated: t.truncated, none: t.no_preview },
    }).catch(() => announce(t.no_preview));
  }
  if (button.dataset.action === "delete") {
    if (!(await confirmAction(fill(t.confirm_delete, { name: file.name })))) return;
    try {
      await api(`/api/v1/files/${file.id}`, { method: "DELETE" });
      row.remove();
      updateCount();
      announce(fill(t.deleted, { name: file.name }));
    } catch (error) {
      if (error.status === 401) return toLogin();
      announce(error.message);
    }
  }
});

// Uploads
function xhrUpload(file, { onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/files");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener("load", () => {
      const body = xhr.response || {};
      if (xhr.status === 201) return resolve(body.file);
      const error = new Error(body.error?.message || xhr.statusText);
      Object.assign(error, { status: xhr.status, code: body.error?.code });
      reject(error);
    });
    xhr.addEventListener("error", () => reject(Object.assign(new Error(t.network), { code: "network" })));
    xhr.addEventListener("abort", () => reject(Object.assign(new Error(t.cancelled), { name: "AbortError" })));
    signal.addEventListener("abort", () => xhr.abort());
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.send(body);
  });
}

// Large files go through the resumable tus client (it survives a dropped network or a
// reload); if this server has no such client the multipart upload carries them too.
let tusClient = null;
function loadTus() {
  tusClient ??= import("./tus-client.js").catch(() => null);
  return tusClient;
}

async function send(file, options) {
  if (file.size >= TUS_THRESHOLD) {
    const tus = await loadTus();
    if (tus) {
      return tus.tusUpload(file, { endpoint: "/api/v1/uploads", headers: { "X-CSRF-Token": csrfToken() }, ...options });
    }
  }
  return xhrUpload(file, options);
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function uploadItem(file) {
  const item = document.createElement("li");
  item.className = "upload-item";
  const name = Object.assign(document.createElement("span"), { className: "upload-name", textContent: file.name });
  const progress = Object.assign(document.createElement("progress"), { max: 100, value: 0 });
  progress.setAttribute("aria-label", file.name);
  const status = Object.assign(document.createElement("span"), { className: "upload-status", textContent: t.waiting });
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-ghost btn-small", textContent: t.cancel });
  cancel.setAttribute("aria-label", `${t.cancel}: ${file.name}`);
  item.append(name, cancel, progress, status);
  uploads.append(item);
  return { item, progress, status, cancel };
}

function upload(file) {
  const ui = uploadItem(file);
  const controller = new AbortController();
  ui.cancel.addEventListener("click", () => controller.abort());
  let started = 0, lastSent = 0, lastTime = 0, speed = 0;
  const onProgress = (sent, total) => {
    const now = performance.now();
    if (!started) { started = now; lastTime = now; }
    if (now - lastTime >= 400 || sent === total) {
      const instant = ((sent - lastSent) / Math.max(now - lastTime, 1)) * 1000;
      speed = speed ? speed * 0.7 + instant * 0.3 : instant;
      lastSent = sent;
      lastTime = now;
    }
    const percent = total ? Math.floor((sent / total) * 100) : 0;
    ui.progress.value = percent;
    const left = speed > 0 ? duration((total - sent) / speed) : "";
    ui.status.textContent = `${percent}% · ${formatSize(sent)} ${t.of} ${formatSize(total)} · ${formatSize(speed)}/s${left ? ` · ${left} ${t.left}` : ""}`;
  };
  return async () => {
    if (controller.signal.aborted) return;
    ui.status.textContent = t.uploading;
    try {
      const meta = await send(file, { onProgress, signal: controller.signal });
      ui.item.classList.add("is-done");
      ui.progress.value = 100;
      ui.status.textContent = `${t.done} · ${formatSize(file.size)}`;
      ui.cancel.remove();
      addRow(meta);
      announce(fill(t.uploaded, { name: file.name }));
      setTimeout(() => ui.item.remove(), 6000);
    } catch (error) {
      if (error.status === 401) return toLogin();
      ui.item.classList.add("is-failed");
      ui.cancel.remove();
      const known = { too_large: t.too_large, upload_refused: t.upload_refused, storage_full: t.storage_full,
                      too_many_requests: t.too_many_requests, network: t.network };
      ui.status.textContent = error.name === "AbortError" ? t.cancelled
        : `${t.failed}: ${known[error.code] || (error.status === 429 ? t.too_many_requests : error.message)}`;
      announce(`${file.name}: ${ui.status.textContent}`);
    }
  };
}

async function runQueue(jobs) {
  const workers = Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
    while (jobs.length) await jobs.shift()();
  });
  await Promise.all(workers);
}

function start(files) {
  const jobs = [...files].map(upload);
  if (jobs.length) runQueue(jobs);
}

const input = app.querySelector("[data-file-input]");
input.addEventListener("change", () => { start(input.files); input.value = ""; });

const zone = app.querySelector("[data-dropzone]");
let depth = 0;
document.addEventListener("dragenter", (e) => { if (e.dataTransfer?.types.includes("Files")) { depth += 1; zone.classList.add("is-over"); } });
document.addEventListener("dragleave", () => { depth = Math.max(0, depth - 1); if (!depth) zone.classList.remove("is-over"); });
document.addEventListener("dragover", (e) => { if (e.dataTransfer?.types.includes("Files")) e.preventDefault(); });
document.addEventListener("drop", (e) => {
  if (!e.dataTransfer?.files.length) return;
  e.preventDefault();
  depth = 0;
  zone.classList.remove("is-over");
  start(e.dataTransfer.files);
});
