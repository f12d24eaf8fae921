// An upload link's page for its visitor: several files and whole folders, dropped or
// picked, each sent by tus to `/r/<token>/uploads` (resumable across a dropped network or
// a reload), with progress, cancel and retry; refusals said in words; at the end a
// receipt (name, size, SHA-256) to save or print. The visitor sees only what they sent:
// each receipt is the server's answer to their own upload, kept in this tab
// (sessionStorage) when the link lets them see what they sent, never read back from the
// owner's files. The no-script form stays underneath for browsers without modules.
import { formatSize } from "./app.js";
import { watchDrops } from "./folders.js";
import { tusUpload } from "./tus-client.js";
import { createUploader } from "./upload.js";

const app = document.getElementById("request-app");
const t = JSON.parse(app.dataset.i18n);
const endpoint = app.dataset.endpoint;
const keepsList = Boolean(app.dataset.showUploads);
const form = app.querySelector("[data-request-form]");
const senders = [...form.querySelectorAll("[data-sender]")];
const senderError = form.querySelector("[data-sender-error]");
const live = app.querySelector("[data-live]");
const receipt = app.querySelector("[data-receipt]");
const receiptList = receipt.querySelector("[data-receipt-list]");
const storeKey = `sent:${endpoint}`;

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
const announce = (text) => { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); };

// The page becomes the drop zone: the plain form is for browsers without scripts.
form.querySelector("[data-plain-upload]").remove();
form.querySelector("[data-dropzone]").hidden = false;
form.addEventListener("submit", (event) => event.preventDefault());

// What was sent: this visit's (in sessionStorage) when the link shows it, else this page's.
function loadSent() {
  if (!keepsList) return [];
  try { return JSON.parse(sessionStorage.getItem(storeKey)) || []; } catch { return []; }
}
const sent = loadSent();
function keep() {
  if (!keepsList) return;
  try { sessionStorage.setItem(storeKey, JSON.stringify(sent)); } catch { /* private mode */ }
}

function showReceipt() {
  receiptList.replaceChildren(...sent.map((file) => {
    const li = document.createElement("li");
    const name = Object.assign(document.createElement("strong"), { textContent: file.name });
    const sum = Object.assign(document.createElement("code"), { textContent: file.sha256 });
    li.append(name, ` · ${formatSize(file.size)} · SHA-256 `, sum);
    return li;
  }));
  receipt.hidden = sent.length === 0;
}

function senderValues() {
  return Object.fromEntries(senders.map((input) => [input.dataset.sender, input.value.trim()]));
}

function receiptText() {
  const who = Object.values(senderValues()).filter(Boolean).join(" · ");
  const lines = [t.receipt_title, `${t.receipt_link}: ${app.dataset.title}`];
  if (who) lines.push(`${t.receipt_sender}: ${who}`);
  lines.push(`${t.receipt_date}: ${new Date().toISOString()}`, "");
  for (const file of sent) lines.push(`${file.name}\t${file.size} B\tSHA-256 ${file.sha256}`);
  return `${lines.join("\n")}\n`;
}

receipt.querySelector("[data-save-receipt]").addEventListener("click", () => {
  const url = URL.createObjectURL(new Blob([receiptText()], { type: "text/plain;charset=utf-8" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: "recibo.txt" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});
receipt.querySelector("[data-print-receipt]").addEventListener("click", () => window.print());

// Every file by tus, with the uploader's name and email and its place below the link's
// folder; the password, when the link has one, is the cookie its form set.
function send(file, { fields, ...options }) {
  return tusUpload(file, { endpoint, receipt: "upload", ...options,
                           metadata: { ...senderValues(), ...fields } });
}

const ended = ["request_revoked", "request_expired", "request_full", "quota_exceeded", "too_large",
               "malware_detected"];
const uploader = createUploader({
  list: app.querySelector("[data-upload-list]"), t, announce,
  maxBytes: Number(app.dataset.maxUpload) || 0,
  clear: app.querySelector("[data-clear-finished]"),
  onUploaded(file) {
    sent.push({ name: file.name, size: file.size, sha256: file.sha256 });
    keep();
    announce(fill(t.uploaded, { name: file.name }));
  },
  onBatchDone: showReceipt,
  transport: {
    send, endpoint, headers: () => ({}),
    onUnauthorized: () => location.reload(),  // the password cookie ended: its form again
    messages: { request_revoked: t.request_revoked, request_expired: t.request_expired,
                request_full: t.request_full, quota_exceeded: t.quota_exceeded,
                request_too_many_unfinished: t.request_unfinished },
    retry: (error) => !ended.includes(error.code),
  },
});
uploader.showPending(app.querySelector("[data-pending-uploads]"));

// The name and email the link asks for come before any byte.
function ready() {
  const missing = senders.find((input) => !input.checkValidity());
  senderError.hidden = !missing;
  senderError.textContent = missing ? t.sender_missing : "";
  if (missing) missing.reportValidity();
  for (const input of senders) input.setAttribute("aria-invalid", String(!input.checkValidity()));
  return !missing;
}
for (const input of senders) input.addEventListener("input", () => { if (!senderError.hidden) ready(); });

function start(files) {
  if (!files.length || !ready()) return;
  uploader.start(files, null);
}

for (const input of form.querySelectorAll("[data-file-input], [data-folder-input]")) {
  input.addEventListener("change", () => { start([...input.files]); input.value = ""; });
}
watchDrops(form.querySelector("[data-dropzone]"), start, (error) => announce(error.message));

showReceipt();
app.dataset.ready = "1";
