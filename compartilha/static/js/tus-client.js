// A small tus 1.0 client (creation, resume, chunked PATCH) for Compartilha's /api/v1/uploads.
//
//   import { tusUpload } from "./tus-client.js";
//   const file = await tusUpload(input.files[0], {
//     endpoint: "/api/v1/uploads",
//     headers: { "X-CSRF-Token": csrf },          // or { Authorization: "Bearer …" }
//     onProgress: (sent, total) => { … },        // first call: where it starts (a resumed
//                                                // upload: the server's offset)
//     onRetry: (error) => { … },                  // the network dropped; it tries again
//     signal: abortController.signal,
//     metadata: { folder_id: "7", path: "x/y/z.txt" },  // more Upload-Metadata
//   });                                          // → {id, name, type, size, sha256, created_at}
//
// Where the stored file's JSON is read once the last byte is in: by default the owner's
// `/api/v1/files/<id>` (from the Compartilha-File-Id header). On an upload link the
// visitor has no file id, only the upload URL: `receipt: "upload"` reads the receipt
// from `GET <upload URL>` (`{"file": {name, size, type, sha256, created_at}}`) and takes
// the upload as finished when its offset reaches the length.
//
// The upload URL is remembered in localStorage (keyed by endpoint, name, size and
// lastModified), so a dropped network or a page reload resumes from the server's offset;
// `rememberedUploads` lists them (for a page to say they can be resumed), `forget` drops one.
// XMLHttpRequest, not fetch: only it reports upload progress.

const TUS_VERSION = "1.0.0";
const CHUNK_SIZE = 32 * 1024 * 1024;
const RETRY_DELAYS = [500, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000];

export class TusError extends Error {
  constructor(status, code, message) {
    super(message || `upload failed (HTTP ${status})`);
    this.name = "TusError";
    this.status = status;
    this.code = code;
  }
}

// A file going elsewhere (another folder or path) is another upload: its place is in
// the key, after the name (`rememberedUploads` reads the name up to it).
function storageKey(endpoint, file, metadata = {}) {
  const place = metadata.folder_id || metadata.path ? `\u0000${metadata.folder_id || ""}/${metadata.path || ""}` : "";
  return `tus:${endpoint}:${file.name}${place}:${file.size}:${file.lastModified}`;
}

// Unfinished uploads this browser remembers: [{key, name, size, url}].
export function rememberedUploads(endpoint = "/api/v1/uploads") {
  const prefix = `tus:${endpoint}:`;
  const found = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(prefix)) continue;
      const parts = key.slice(prefix.length).split(":");
      parts.pop();  // lastModified
      const size = Number(parts.pop());
      found.push({ key, name: parts.join(":").split("\u0000")[0], size, url: localStorage.getItem(key) });
    }
  } catch { /* no storage: nothing remembered */ }
  return found;
}

// The server's offset of a remembered upload, or null (then it is forgotten: finished,
// expired or cancelled elsewhere).
export async function rememberedOffset(upload, headers = {}) {
  let offset;
  for (let attempt = 0; ; attempt++) {
    try {
      offset = await offsetOf(upload.url, headers);
      break;
    } catch (error) {  // 423: the request cut by the reload still holds it, for a moment
      if (error.status !== 423 || attempt >= 10) throw error;
      await wait(500);
    }
  }
  if (offset === null) remember(upload.key, null);
  return offset;
}

// Give a remembered upload up: the server drops its bytes, the browser its URL.
export async function forget(upload, headers = {}) {
  try { await send("DELETE", upload.url, { headers }); } finally { remember(upload.key, null); }
}

function remembered(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

function remember(key, url) {
  try {
    if (url) localStorage.setItem(key, url); else localStorage.removeItem(key);
  } catch { /* private mode: uploads still work, they just do not survive a reload */ }
}

function b64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function abortError() {
  return new DOMException("The upload was cancelled.", "AbortError");
}

// One HTTP request; resolves with the XHR whatever its status, rejects on network failure.
function send(method, url, { headers = {}, body = null, signal, onUploadProgress } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(abortError()); return; }
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Tus-Resumable", TUS_VERSION);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onUploadProgress) xhr.upload.onprogress = (e) => onUploadProgress(e.loaded);
    // Going offline ends the request at once: a dropped network can otherwise leave it
    // hanging (and the page showing its last time left) until TCP gives up, minutes later.
    let dropped = false;
    const onAbort = () => xhr.abort();
    const onOffline = () => { dropped = true; xhr.abort(); };
    signal?.addEventListener("abort", onAbort, { once: true });
    addEventListener("offline", onOffline);
    const done = (fn) => {
      signal?.removeEventListener("abort", onAbort);
      removeEventListener("offline", onOffline);
      fn();
    };
    xhr.onload = () => done(() => resolve(xhr));
    xhr.onerror = () => done(() => reject(new TypeError("network error")));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => done(() => reject(dropped ? new TypeError("offline") : abortError()));
    xhr.send(body);
  });
}

function failure(xhr) {
  let code = "http_error", message = "";
  try {
    const error = JSON.parse(xhr.responseText).error;
    code = error.code; message = error.message;
  } catch { /* not our JSON */ }
  return new TusError(xhr.status, code, message);
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(abortError()); },
      { once: true });
  });
}

function online(signal) {
  return new Promise((resolve, reject) => {
    addEventListener("online", resolve, { once: true });
    signal?.addEventListener("abort", () => reject(abortError()), { once: true });
  });
}

async function create(file, endpoint, headers, signal, extra = {}) {
  const metadata = Object.entries({ filename: file.name, filetype: file.type || "", ...extra })
    .map(([key, value]) => `${key} ${b64(value)}`).join(",");
  const xhr = await send("POST", endpoint, {
    headers: { ...headers, "Upload-Length": String(file.size), "Upload-Metadata": metadata },
    signal,
  });
  if (xhr.status !== 201) throw failure(xhr);
  return {
    url: new URL(xhr.getResponseHeader("Location"), location.href).href,
    fileId: xhr.getResponseHeader("Compartilha-File-Id"),
  };
}

// The server's offset, or null when the upload is gone (finished elsewhere, expired).
async function offsetOf(url, headers, signal) {
  const xhr = await send("HEAD", url, { headers, signal });
  if (xhr.status === 404 || xhr.status === 410) return null;
  if (xhr.status !== 200) throw failure(xhr);
  return Number(xhr.getResponseHeader("Upload-Offset"));
}

// The finished upload's receipt at its own URL, or null while it has none (not finished,
// or not ours to read).
async function receiptAt(url, headers, signal) {
  const response = await fetch(url, { headers: { ...headers, Accept: "application/json" },
                                      credentials: "same-origin", signal });
  if (response.status === 404) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new TusError(response.status, body.error?.code || "file_metadata", body.error?.message);
  }
  return body.file;
}

async function ownerFile(endpoint, fileId, headers, signal) {
  const filesUrl = new URL(endpoint.replace(/\/uploads\/?$/, `/files/${fileId}`), location.href);
  const response = await fetch(filesUrl, { headers, credentials: "same-origin", signal });
  if (!response.ok) throw new TusError(response.status, "file_metadata", "");
  return (await response.json()).file;
}

export async function tusUpload(file, { endpoint = "/api/v1/uploads", headers = {},
                                        onProgress = () => {}, onRetry = () => {}, signal,
                                        chunkSize = CHUNK_SIZE, metadata = {},
                                        receipt = "file" } = {}) {
  const byUpload = receipt === "upload";
  const key = storageKey(endpoint, file, metadata);
  let url = remembered(key);
  let offset = null;
  let fileId = null;
  let finished = null;  // the receipt, when read from the upload's URL
  let attempt = 0;

  for (;;) {
    try {
      if (url && offset === null) offset = await offsetOf(url, headers, signal);
      // Gone or whole: on a link, its URL says whether it became a file (the answer to
      // the last byte may have been lost); only then is it never sent twice.
      if (byUpload && url && (offset === null || offset === file.size)) {
        finished = await receiptAt(url, headers, signal);
        if (finished) break;
      }
      if (offset === null) {
        ({ url, fileId } = await create(file, endpoint, headers, signal, metadata));
        if (byUpload) fileId = null;  // never the owner's id: the upload's URL tells
        offset = 0;
        remember(key, url);
      }
      onProgress(offset, file.size);  // where this attempt starts
      // At the end but with no file id (the last answer was lost): an empty PATCH there
      // gets the finished upload's answer again, never a second file.
      let whole = false;
      while (!fileId && !whole && offset <= file.size) {
        const end = Math.min(offset + chunkSize, file.size);
        const start = offset;
        const xhr = await send("PATCH", url, {
          headers: { ...headers, "Upload-Offset": String(start),
                     "Content-Type": "application/offset+octet-stream" },
          body: file.slice(start, end), signal,
          onUploadProgress: (loaded) => onProgress(Math.min(start + loaded, end), file.size),
        });
        if (xhr.status === 409 || xhr.status === 423) { offset = null; break; }
        // On a link, a 410 with the link's code (revoked, expired, full) is its end.
        const ended = xhr.status === 410 && byUpload && failure(xhr).code.startsWith("request_");
        if (xhr.status === 404 || (xhr.status === 410 && !ended)) {
          if (!byUpload) url = null;  // a link's upload URL is asked for its receipt first
          offset = null;
          break;
        }
        if (xhr.status !== 204) throw failure(xhr);
        offset = Number(xhr.getResponseHeader("Upload-Offset"));
        if (!byUpload) fileId = xhr.getResponseHeader("Compartilha-File-Id");
        whole = byUpload && offset === file.size;
        attempt = 0;
        onProgress(offset, file.size);
      }
      if (whole) {
        finished = await receiptAt(url, headers, signal);
        if (!finished) throw new TusError(404, "file_metadata", "");
        break;
      }
      if (fileId) break;
      if (offset === null && url) await wait(RETRY_DELAYS[Math.min(attempt++, 3)], signal);
    } catch (error) {
      if (error.name === "AbortError" || error instanceof TusError) throw error;
      // The network dropped: wait, then ask the server how far it got.
      if (attempt >= RETRY_DELAYS.length) throw error;
      onRetry(error);
      await wait(RETRY_DELAYS[attempt++], signal);
      if (!navigator.onLine) await online(signal);
      offset = null;
    }
  }

  remember(key, null);
  onProgress(file.size, file.size);
  return finished || ownerFile(endpoint, fileId, headers, signal);
}
