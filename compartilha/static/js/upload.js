// Uploads: a progress bar per file with percent, speed, time left and a cancel button;
// one multipart request for ordinary files, the resumable tus client for large ones.
import { csrfToken, formatSize, toLogin } from "./app.js";

const TUS_THRESHOLD = 8 * 1024 * 1024;
const PARALLEL = 3;

function xhrUpload(file, { onProgress, signal }, t) {
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

async function send(file, options, t) {
  if (file.size >= TUS_THRESHOLD) {
    const tus = await loadTus();
    if (tus) {
      return tus.tusUpload(file, { endpoint: "/api/v1/uploads", headers: { "X-CSRF-Token": csrfToken() }, ...options });
    }
  }
  return xhrUpload(file, options, t);
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

// `list` receives the progress items; `onUploaded(meta)` gets each stored file;
// `announce(text)` reads failures out in the live region.
export function createUploader({ list, t, onUploaded, announce }) {
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
    list.append(item);
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
        const meta = await send(file, { onProgress, signal: controller.signal }, t);
        ui.item.classList.add("is-done");
        ui.progress.value = 100;
        ui.status.textContent = `${t.done} · ${formatSize(file.size)}`;
        ui.cancel.remove();
        onUploaded(meta);
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

  return function start(files) {
    const jobs = [...files].map(upload);
    if (jobs.length) runQueue(jobs);
  };
}
