// The folder browser's own behaviour: new folder, rename or move (files and folders),
// delete a folder, the multi-select bar (bulk move, delete, share), and reading the
// folders a person drops (each file keeps its path below the dropped folder).
import { api, confirmAction, formatDate, toLogin } from "./app.js";

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);

// Every file inside dropped folders, each with `relativePath` ("x/y/z.txt"); plain files
// come as they are. DataTransfer items are read at once: they are gone after the event.
export async function droppedFiles(dataTransfer) {
  const entries = [...(dataTransfer.items || [])].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.some((entry) => entry.isDirectory)) return [...dataTransfer.files];
  const found = [];
  async function visit(entry) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.relativePath = entry.fullPath.replace(/^\/+/, "");
      found.push(file);
      return;
    }
    const reader = entry.createReader();
    for (;;) {  // readEntries gives at most 100 at a time
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const child of batch) await visit(child);
    }
  }
  for (const entry of entries) await visit(entry);
  return found;
}

// Files and folders dropped anywhere on the page go to `onFiles(files)`; `zone` is lit
// while something is dragged over the page.
export function watchDrops(zone, onFiles, onError) {
  let depth = 0;
  const dragging = (e) => e.dataTransfer?.types.includes("Files");
  document.addEventListener("dragenter", (e) => { if (dragging(e)) { depth += 1; zone.classList.add("is-over"); } });
  document.addEventListener("dragleave", () => { depth = Math.max(0, depth - 1); if (!depth) zone.classList.remove("is-over"); });
  document.addEventListener("dragover", (e) => { if (dragging(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (!e.dataTransfer?.files.length && !e.dataTransfer?.items?.length) return;
    e.preventDefault();
    depth = 0;
    zone.classList.remove("is-over");
    droppedFiles(e.dataTransfer).then(onFiles).catch(onError);
  });
}

export function setUpFolders({ app, t, announce, folderId, afterChange }) {
  const dialog = document.getElementById("folder-dialog");
  const form = dialog.querySelector("[data-folder-form]");
  const nameInput = form.querySelector("#folder-name");
  const target = form.querySelector("#folder-target");
  const error = form.querySelector("[data-folder-error]");
  const folderList = app.querySelector("[data-folder-list]");
  const fileList = app.querySelector("[data-file-list]");
  const bulk = app.querySelector("[data-bulk]");
  const count = bulk.querySelector("[data-selected-count]");
  const selectAll = app.querySelector("[data-select-all]");
  let onSave = null;
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());

  // One dialog, three uses: a new folder (name), rename or move one item (name and
  // folder), move the selection (folder).
  function openDialog(mode, { name = "", folder = folderId, exclude = [] } = {}, save) {
    for (const kind of ["new", "edit", "move"]) dialog.querySelector(`[data-title-${kind}]`).hidden = kind !== mode;
    dialog.setAttribute("aria-labelledby", dialog.querySelector(`[data-title-${mode}]`).id || "folder-dialog-title");
    form.querySelector("[data-name-field]").hidden = mode === "move";
    form.querySelector("[data-target-field]").hidden = mode === "new";
    nameInput.value = name;
    target.value = folder || "";
    for (const option of target.options) option.disabled = exclude.includes(option.value);
    error.hidden = true;
    onSave = save;
    dialog.showModal();
    (mode === "move" ? target : nameInput).focus();
  }
  for (const kind of ["new", "edit", "move"]) {
    const title = dialog.querySelector(`[data-title-${kind}]`);
    title.id ||= `folder-dialog-title-${kind}`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onSave({ name: nameInput.value.trim(), folder: target.value ? Number(target.value) : null });
      dialog.close();
    } catch (failure) {
      if (failure.status === 401) return toLogin();
      error.textContent = failure.message;
      error.hidden = false;
    }
  });

  // The folder and every folder below it, as options' values: never a place to move it.
  function below(id) {
    const path = [...target.options].find((o) => o.value === String(id))?.textContent;
    return [...target.options].filter((o) => o.value && (o.value === String(id)
      || (path && o.textContent.startsWith(`${path}/`)))).map((o) => o.value);
  }

  app.querySelector("[data-new-folder]")?.addEventListener("click", () => {
    openDialog("new", {}, async ({ name }) => {
      const { folder } = await api("/api/v1/folders", { method: "POST", body: { name, parent_id: folderId || null } });
      announce(fill(t.folder_created, { name: folder.name }));
      afterChange();
    });
  });

  function edit(row) {
    const isFolder = row.classList.contains("folder-row");
    const id = row.dataset.id;
    const current = isFolder ? row.dataset.parentId : row.dataset.folderId;
    openDialog("edit", { name: row.dataset.name, folder: current, exclude: isFolder ? below(id) : [] },
      async ({ name, folder }) => {
        const body = { name };
        if (String(folder || "") !== String(current || "")) body[isFolder ? "parent_id" : "folder_id"] = folder;
        await api(`/api/v1/${isFolder ? "folders" : "files"}/${id}`, { method: "PATCH", body });
        announce(t.renamed);
        afterChange();
      });
  }

  async function removeFolder(row) {
    const count = (n, one, other) => (n === 1 ? one : fill(other, { n }));
    const files = Number(row.dataset.files), folders = Number(row.dataset.folders);
    const content = [files && count(files, t.file_one, t.file_other), folders && count(folders, t.folder_one, t.folder_other)]
      .filter(Boolean).join(", ");
    const message = fill(content ? t.confirm_delete_folder : t.confirm_delete_empty, { name: `“${row.dataset.name}”`, content });
    if (!(await confirmAction(message, t.delete_button))) return;
    try {
      await api(`/api/v1/folders/${row.dataset.id}`, { method: "DELETE" });
      row.remove();
      announce(fill(t.deleted, { name: row.dataset.name }));
      refreshSelection();
      afterChange({ quiet: true });
    } catch (failure) {
      if (failure.status === 401) return toLogin();
      announce(failure.message);
    }
  }

  folderList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest(".folder-row");
    if (button.dataset.action === "edit") edit(row);
    if (button.dataset.action === "delete") removeFolder(row);
  });

  // Selection
  const checks = () => [...app.querySelectorAll("[data-select]")];
  function refreshSelection() {
    const all = checks(), chosen = all.filter((box) => box.checked);
    bulk.hidden = chosen.length === 0;
    selectAll.parentElement.hidden = all.length === 0;
    count.textContent = chosen.length === 1 ? t.selected_one : fill(t.selected_other, { n: chosen.length });
    for (const button of bulk.querySelectorAll("button")) button.disabled = chosen.length === 0;
    selectAll.checked = all.length > 0 && chosen.length === all.length;
    selectAll.indeterminate = chosen.length > 0 && chosen.length < all.length;
  }
  app.addEventListener("change", (event) => { if (event.target.matches("[data-select]")) refreshSelection(); });
  selectAll.addEventListener("change", () => {
    for (const box of checks()) box.checked = selectAll.checked;
    refreshSelection();
  });
  const chosenRows = () => checks().filter((box) => box.checked).map((box) => box.closest(".file-row"));
  const url = (row) => `/api/v1/${row.classList.contains("folder-row") ? "folders" : "files"}/${row.dataset.id}`;

  async function eachRow(rows, request, quiet) {
    let failed = null;
    for (const row of rows) {
      try { await request(row); } catch (failure) { failed ??= failure; }
    }
    if (failed?.status === 401) return toLogin();
    if (failed) announce(failed.message);
    refreshSelection();
    afterChange({ quiet });
  }

  bulk.querySelector("[data-bulk-move]").addEventListener("click", () => {
    const rows = chosenRows();
    const exclude = rows.filter((r) => r.classList.contains("folder-row")).flatMap((r) => below(r.dataset.id));
    openDialog("move", { exclude }, async ({ folder }) => {
      await eachRow(rows, (row) => api(url(row), { method: "PATCH",
        body: { [row.classList.contains("folder-row") ? "parent_id" : "folder_id"]: folder } }), false);
      announce(t.moved);
    });
  });
  bulk.querySelector("[data-bulk-delete]").addEventListener("click", async () => {
    const rows = chosenRows();
    if (!(await confirmAction(fill(t.confirm_delete_many, { n: rows.length }), t.delete_button))) return;
    await eachRow(rows, async (row) => { await api(url(row), { method: "DELETE" }); row.remove(); }, true);
  });
  refreshSelection();

  function addFolderRow(folder) {
    const row = document.getElementById("folder-row-template").content.firstElementChild.cloneNode(true);
    Object.assign(row.dataset, { id: folder.id, name: folder.name, size: -1, date: folder.created_at,
                                 parentId: folder.parent_id || "", files: 0, folders: 0 });
    const link = row.querySelector('[data-field="name"]');
    link.textContent = folder.name;
    link.href = `/files?folder=${folder.id}`;
    row.querySelector('[data-field="held"]').textContent = t.folder_label;
    const time = row.querySelector('[data-field="date"]');
    time.dateTime = folder.created_at;
    time.textContent = formatDate(folder.created_at);
    const check = row.querySelector("[data-select]");
    check.value = folder.id;
    check.setAttribute("aria-label", `${check.getAttribute("aria-label")}${folder.name}`);
    row.querySelector('[data-action="share-folder"]').href = `/shares/new?folder_ids=${folder.id}`;
    folderList.append(row);
  }

  // After uploads of folders: the folders they made here appear (no reload: the upload
  // cards stay).
  async function showNewFolders() {
    const query = folderId ? `?parent_id=${folderId}` : "";
    const { folders } = await api(`/api/v1/folders${query}`);
    const known = new Set([...folderList.children].map((row) => row.dataset.id));
    for (const folder of folders) if (!known.has(String(folder.id))) addFolderRow(folder);
    refreshSelection();
  }

  return { edit, refreshSelection, showNewFolders };
}
