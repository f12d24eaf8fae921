// My files, a folder browser: uploads (files and whole folders) into the current folder
// with progress, speed, time left and cancel; the list, kept in step without reloading;
// sort, preview, share, rename or move, delete, and the multi-select (folders.js).
import { api, confirmAction, formatDate, formatSize, toLogin } from "./app.js";
import { setUpFolders, watchDrops } from "./folders.js";
import { kindOf } from "./kinds.js";
import { renderPreview } from "./preview.js";
import { setUpShareDialog } from "./share.js";
import { createUploader } from "./upload.js";

const app = document.getElementById("files-app");
const t = JSON.parse(app.dataset.i18n);
const previewable = app.dataset.previewable.split(",");
const list = app.querySelector("[data-file-list]");
const folderList = app.querySelector("[data-folder-list]");
const folderId = Number(app.dataset.folderId) || null;
const uploads = app.querySelector("[data-upload-list]");
const live = app.querySelector("[data-live]");
const empty = app.querySelector("[data-empty]");
const counter = app.querySelector("[data-count]");
const rowTemplate = document.getElementById("file-row-template");
const kinds = JSON.parse(rowTemplate.dataset.kinds);
const openShare = setUpShareDialog(t);

const fill = (text, values) => text.replace(/%\((\w+)\)s|\{(\w+)\}/g, (_, a, b) => values[a || b]);
const announce = (text) => { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 50); };

function canPreview(type) {
  return previewable.some((allowed) => type === allowed || (allowed.endsWith("/") && type.startsWith(allowed)));
}

function updateCount() {
  const n = list.children.length, folders = folderList.children.length;
  const files = n === 0 ? t.file_none : fill(n === 1 ? t.file_one : t.file_other, { n });
  const held = folders === 1 ? t.folder_one : fill(t.folder_other, { n: folders });
  counter.textContent = folders && !new URLSearchParams(location.search).get("q") ? `${held} · ${files}` : files;
  empty.classList.toggle("is-hidden", n + folderList.children.length > 0);
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
  if ((file.folder_id || null) !== folderId) return;  // it went into a folder below this one
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  Object.assign(row.dataset, { id: file.id, name: file.name, type: file.type, size: file.size, date: file.created_at,
                               folderId: file.folder_id || "" });
  const check = row.querySelector("[data-select]");
  check.value = file.id;
  check.setAttribute("aria-label", `${check.getAttribute("aria-label")}${file.name}`);
  row.querySelector('[data-field="name"]').textContent = file.name;
  row.querySelector('[data-field="type"]').textContent = kindOf(file.type, kinds);
  row.querySelector('[data-field="size"]').textContent = formatSize(file.size);
  const time = row.querySelector('[data-field="date"]');
  time.dateTime = file.created_at;
  time.textContent = formatDate(file.created_at);
  row.querySelector('[data-field="scan"]').hidden = file.scan !== "unscanned";
  row.querySelector('[data-action="download"]').href = `/api/v1/files/${file.id}/download`;
  row.querySelector('[data-action="preview"]').hidden = !canPreview(file.type);
  const use = row.querySelector("[data-icon] use");
  use.setAttribute("href", use.getAttribute("href").replace(/#.*$/, `#${iconFor(file.type)}`));
  list.prepend(row);
  sortList();
  updateCount();
  browser.refreshSelection();
}

// Sorting
const sortSelect = app.querySelector("[data-sort]");
const keys = {
  date: (row) => Date.parse(row.dataset.date) || 0,
  name: (row) => row.dataset.name.toLocaleLowerCase(),
  size: (row) => Number(row.dataset.size),
  type: (row) => row.dataset.type,
};
// Folders stay above files; they have no size or type, so those sort them by name.
function sortList() {
  const [key, direction] = sortSelect.value.split("-");
  const collator = new Intl.Collator(document.documentElement.lang, { numeric: true });
  for (const ul of [folderList, list]) {
    const folders = ul === folderList && (key === "size" || key === "type");
    const by = folders ? keys.name : keys[key];
    const sign = direction === "desc" && !folders ? -1 : 1;
    const rows = [...ul.children].sort((a, b) => {
      const x = by(a), y = by(b);
      const order = typeof x === "string" ? collator.compare(x, y) : x - y;
      return sign * (order || Number(b.dataset.id) - Number(a.dataset.id));
    });
    ul.append(...rows);
  }
}
sortSelect.addEventListener("change", sortList);
sortList();

// Row actions
const previewDialog = document.getElementById("preview-dialog");
previewDialog.querySelector("[data-close]").addEventListener("click", () => previewDialog.close());
previewDialog.addEventListener("close", () => previewDialog.querySelector("[data-preview-area]").replaceChildren());

const browser = setUpFolders({
  app, t, announce, folderId,
  afterChange({ quiet } = {}) { if (quiet) updateCount(); else location.reload(); },
});

list.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action]");
  if (!button || button.dataset.action === "download") return;
  const row = button.closest(".file-row");
  const file = fileOf(row);
  if (button.dataset.action === "share") openShare(file);
  if (button.dataset.action === "edit") browser.edit(row);
  if (button.dataset.action === "preview") {
    previewDialog.querySelector("[data-preview-title]").textContent = file.name;
    previewDialog.querySelector("[data-preview-download]").href = `/api/v1/files/${file.id}/download`;
    previewDialog.showModal();
    renderPreview(previewDialog.querySelector("[data-preview-area]"), {
      url: `/files/${file.id}/preview/${encodeURIComponent(file.name)}`, type: file.type, name: file.name,
      messages: { truncated: t.truncated, none: t.no_preview },
    }).catch(() => announce(t.no_preview));
  }
  if (button.dataset.action === "delete") {
    if (!(await confirmAction(fill(t.confirm_delete, { name: file.name })))) return;
    try {
      await api(`/api/v1/files/${file.id}`, { method: "DELETE" });
      row.remove();
      updateCount();
      browser.refreshSelection();
      announce(fill(t.deleted, { name: file.name }));
    } catch (error) {
      if (error.status === 401) return toLogin();
      announce(error.message);
    }
  }
});

const uploader = createUploader({
  list: uploads, t, announce,
  maxBytes: Number(app.dataset.maxUpload) || 0,
  clear: app.querySelector("[data-clear-finished]"),
  onShare: openShare,
  onUploaded(meta) {
    addRow(meta);
    announce(fill(t.uploaded, { name: meta.name }));
  },
  onBatchDone() { browser.showNewFolders().then(updateCount).catch(() => {}); },
});
const start = (files) => uploader.start(files, folderId);
uploader.showPending(app.querySelector("[data-pending-uploads]"));

const input = app.querySelector("[data-file-input]");
input.addEventListener("change", () => { start(input.files); input.value = ""; });
const folderInput = app.querySelector("[data-folder-input]");
folderInput.addEventListener("change", () => { start(folderInput.files); folderInput.value = ""; });

watchDrops(app.querySelector("[data-dropzone]"), start, (error) => announce(error.message));

app.dataset.ready = "1";
