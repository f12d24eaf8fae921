// Uploads: a card per file with percent, speed, time left and cancel; a finished card
// says the name it was saved under, offers Share, and can be dismissed. One multipart
// request for ordinary files, the resumable tus client for large ones. Files over the
// server's limit are refused before a byte is sent; a dropped network says so and tries
// again; unfinished uploads from before a reload are listed, to be resumed or discarded.
import { csrfToken, formatSize, toLogin } from "./app.js";

const TUS_THRESHOLD = 8 * 1024 * 1024;
const PARALLEL = 3;
const FORM_RETRIES = [1000, 2000, 4000, 8000, 15000];

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
const networkError = (t) => Object.assign(new Error(t.network), { code: "network" });

// Where a file goes: the folder it was dropped into, and its path below it when it came
// inside a folder (`relativePath`, set for dropped folders, or the picker's own).
export function placement(file, folderId) {
  const fields = {};
  if (folderId) fields.folder_id = String(folderId);
  const path = file.relativePath || file.webkitRelativePath || "";
  if (path.includes("/")) fields.path = path;
  return fields;
}

function xhrUpload(file, { onProgress, signal, fields = {} }, t) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let dropped = false;  // going offline ends the request at once (it could hang for minutes)
    const onOffline = () => { dropped = true; xhr.abort(); };
    addEventListener("offline", onOffline);
    xhr.addEventListener("loadend", () => removeEventListener("offline", onOffline));
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
    xhr.addEventListener("error", () => reject(networkError(t)));
    xhr.addEventListener("abort", () => reject(dropped ? networkError(t)
      : Object.assign(new Error(t.cancelled), { name: "AbortError" })));
    signal.addEventListener("abort", () => xhr.abort());
    onProgress(0, file.size);
    const body = new FormData();
    for (const [key, value] of Object.entries(fields)) body.append(key, value);
    body.append("file", file, file.name);
    xhr.send(body);
  });
}

function until(event, ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = ms === null ? null : setTimeout(resolve, ms);
    if (event) addEventListener(event, resolve, { once: true });
    signal.addEventListener("abort", () => { clearTimeout(timer); reject(Object.assign(new Error(""), { name: "AbortError" })); }, { once: true });
  });
}

// A form upload starts again from its first byte when the network comes back.
async function formUpload(file, options, t) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await xhrUpload(file, options, t);
    } catch (error) {
      if (error.code !== "network" || attempt >= FORM_RETRIES.length) throw error;
      options.onRetry(error);
      await until(null, FORM_RETRIES[attempt], options.signal);
      if (!navigator.onLine) await until("online", null, options.signal);
    }
  }
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
      return tus.tusUpload(file, { endpoint: "/api/v1/uploads", headers: { "X-CSRF-Token": csrfToken() },
                                   metadata: options.fields, ...options });
    }
  }
  return formUpload(file, options, t);
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

// Bytes per second, smoothed. The first reading of an attempt is its starting point, not
// bytes sent: a resumed upload starts at the server's offset, and counting those bytes as
// sent in the first instant showed a speed many times the real one.
export function createMeter(clock = () => performance.now()) {
  let lastSent = null, lastTime = 0, speed = 0;
  return {
    get speed() { return speed; },
    restart() { lastSent = null; speed = 0; },
    update(sent, total) {
      const now = clock();
      if (lastSent === null || sent < lastSent) { lastSent = sent; lastTime = now; return speed; }
      if (now - lastTime >= 400 || sent === total) {
        const instant = ((sent - lastSent) / Math.max(now - lastTime, 1)) * 1000;
        speed = speed ? speed * 0.7 + instant * 0.3 : instant;
        lastSent = sent;
        lastTime = now;
      }
      return speed;
    },
  };
}

function button(label, cls, aria) {
  const b = Object.assign(document.createElement("button"), { type: "button", className: `btn btn-small ${cls}` });
  b.textContent = label;
  if (aria) b.setAttribute("aria-label", aria);
  return b;
}

// `list` receives the cards; `onUploaded(meta)` gets each stored file; `onShare(meta)`
// opens the share dialog (none: no Share button); `announce(text)` reads news out in the
// live region; `maxBytes` is the server's limit per file; `clear` is the "clear
// finished" button; `onBatchDone()` runs when every upload started together has ended.
// Another page (an upload link's) passes its own `transport`: `send(file, options)`
// (resolves with the stored file), `endpoint` and `headers` of its tus uploads (for the
// unfinished ones), `onUnauthorized()`, `messages` (error code → words) and
// `retry(error)` (whether a card that failed so offers "Try again").
export function createUploader({ list, t, onUploaded, onShare, announce, maxBytes, clear, onBatchDone,
                                 transport = {} }) {
  const {
    send: sendFile = (file, options) => send(file, options, t), endpoint = "/api/v1/uploads",
    headers = () => ({ "X-CSRF-Token": csrfToken() }), onUnauthorized = toLogin,
    messages = {}, retry = () => false,
  } = transport;
  const refreshClear = () => { clear.hidden = !list.querySelector(".is-finished"); };
  clear.addEventListener("click", () => {
    list.querySelectorAll(".is-finished").forEach((item) => item.remove());
    refreshClear();
  });

  function card(file) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = Object.assign(document.createElement("span"), { className: "upload-name", textContent: file.name });
    const progress = Object.assign(document.createElement("progress"), { max: 100, value: 0 });
    progress.setAttribute("aria-label", file.name);
    const status = Object.assign(document.createElement("span"), { className: "upload-status", textContent: t.waiting });
    const actions = Object.assign(document.createElement("span"), { className: "upload-actions" });
    const cancel = button(t.cancel, "btn-ghost", `${t.cancel}: ${file.name}`);
    actions.append(cancel);
    item.append(name, actions, progress, status);
    list.append(item);
    return { item, name, progress, status, actions, cancel };
  }

  // A finished card (stored, failed or cancelled) can be dismissed, alone or all at once.
  function finish(ui, file, cls, text) {
    ui.item.classList.add(cls, "is-finished");
    ui.status.textContent = text;
    ui.cancel.remove();
    const dismiss = button("", "btn-ghost upload-dismiss", `${t.dismiss}: ${file.name}`);
    dismiss.innerHTML = '<span aria-hidden="true">×</span>';
    dismiss.addEventListener("click", () => { ui.item.remove(); refreshClear(); });
    ui.actions.append(dismiss);
    refreshClear();
  }

  function failure(error) {
    if (error.code === "too_large" && maxBytes) return fill(t.too_large_limit, { limit: formatSize(maxBytes) });
    if (messages[error.code]) return messages[error.code];
    const known = { upload_refused: t.upload_refused, storage_full: t.storage_full,
                    too_many_requests: t.too_many_requests, network: t.network, too_large: t.too_large,
                    malware_detected: t.malware_detected, scanner_unavailable: t.scanner_unavailable };
    return `${t.failed}: ${known[error.code] || (error.status === 429 ? t.too_many_requests : error.message)}`;
  }

  function stored(ui, file, meta) {
    ui.progress.value = 100;
    const saved = meta.name !== file.name ? ` · ${fill(t.saved_as, { name: meta.name })}` : "";
    finish(ui, file, "is-done", `${t.done} · ${formatSize(file.size)}${saved}`);
    if (onShare) {
      const share = button(t.share, "btn-secondary", `${t.share}: ${meta.name}`);
      share.addEventListener("click", () => onShare(meta));
      ui.actions.prepend(share);
    }
    onUploaded(meta);
  }

  function upload(file, folderId) {
    const ui = card(file);
    pending.settle(file);
    if (maxBytes && file.size > maxBytes) {  // refused here: not one byte is sent
      finish(ui, file, "is-failed", fill(t.too_large_limit, { limit: formatSize(maxBytes) }));
      announce(`${file.name}: ${ui.status.textContent}`);
      return null;
    }
    const controller = new AbortController();
    ui.cancel.addEventListener("click", () => controller.abort());
    const meter = createMeter();
    const onProgress = (sent, total) => {
      const speed = meter.update(sent, total);
      const percent = total ? Math.floor((sent / total) * 100) : 0;
      ui.progress.value = percent;
      const left = speed > 0 ? duration((total - sent) / speed) : "";
      const rate = speed > 0 ? ` · ${formatSize(speed)}/s${left ? ` · ${left} ${t.left}` : ""}` : "";
      ui.status.textContent = `${percent}% · ${formatSize(sent)} ${t.of} ${formatSize(total)}${rate}`;
    };
    const onRetry = () => {
      meter.restart();
      ui.status.textContent = t.offline;
      ui.item.classList.add("is-offline");
      addEventListener("online", () => ui.item.classList.remove("is-offline"), { once: true });
    };
    return async () => {
      if (controller.signal.aborted) return;
      ui.status.textContent = t.uploading;
      try {
        const fields = placement(file, folderId);
        stored(ui, file, await sendFile(file, { onProgress, onRetry, fields, signal: controller.signal }));
      } catch (error) {
        if (error.status === 401) return onUnauthorized();
        ui.item.classList.remove("is-offline");
        const cancelled = error.name === "AbortError";
        finish(ui, file, cancelled ? "is-cancelled" : "is-failed", cancelled ? t.cancelled : failure(error));
        if (!cancelled && retry(error)) offerRetry(ui, file, folderId);
        announce(`${file.name}: ${ui.status.textContent}`);
      }
    };
  }

  function offerRetry(ui, file, folderId) {
    const again = button(t.retry, "btn-secondary", `${t.retry}: ${file.name}`);
    again.addEventListener("click", () => {
      ui.item.remove();
      refreshClear();
      runQueue([upload(file, folderId)].filter(Boolean));
    });
    ui.actions.prepend(again);
  }

  async function runQueue(jobs) {
    const workers = Array.from({ length: Math.min(PARALLEL, jobs.length) }, async () => {
      while (jobs.length) await jobs.shift()();
    });
    await Promise.all(workers);
    onBatchDone?.();
  }

  const pending = { settle() {} };
  return {
    // After a reload: the unfinished uploads this browser remembers, each with how far it
    // got, to be resumed (by choosing the same file again) or discarded.
    async showPending(box) {
      const tus = await loadTus();
      if (!tus) return;
      const ul = box.querySelector("ul");
      for (const upload of tus.rememberedUploads(endpoint)) {
        const offset = await tus.rememberedOffset(upload, headers()).catch(() => null);
        if (offset === null) continue;
        const li = document.createElement("li");
        li.dataset.pending = `${upload.name}:${upload.size}`;
        const text = Object.assign(document.createElement("span"), { className: "pending-text" });
        const name = Object.assign(document.createElement("strong"), { textContent: upload.name });
        const percent = upload.size ? Math.floor((offset / upload.size) * 100) : 0;
        text.append(name, ` · ${fill(t.pending_progress, { percent: `${percent}%`, sent: formatSize(offset), total: formatSize(upload.size) })}`);
        const discard = button(t.discard, "btn-ghost btn-danger-text", `${t.discard}: ${upload.name}`);
        discard.addEventListener("click", async () => {
          await tus.forget(upload, headers()).catch(() => {});
          li.remove();
          box.hidden = !ul.children.length;
        });
        li.append(text, discard);
        ul.append(li);
      }
      box.hidden = !ul.children.length;
      pending.settle = (file) => {
        ul.querySelector(`[data-pending="${CSS.escape(`${file.name}:${file.size}`)}"]`)?.remove();
        box.hidden = !ul.children.length;
      };
    },
    // `folderId`: the folder they go into (none: the root).
    start(files, folderId) {
      const jobs = [...files].map((file) => upload(file, folderId)).filter(Boolean);
      if (jobs.length) runQueue(jobs);
    },
  };
}
