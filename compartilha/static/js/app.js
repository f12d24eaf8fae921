// Behaviour every page shares: the phone menu, confirmations, copy buttons, local times.
document.documentElement.classList.add("js");

export const lang = document.documentElement.lang || "pt-BR";

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?compartilha_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// fetch to our JSON API with the session cookie and the CSRF header; errors become exceptions
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || response.statusText);
    Object.assign(error, { status: response.status, code: data.error?.code, field: data.error?.field, fields: data.error?.fields });
    throw error;
  }
  return data;
}

export function toLogin() {
  const here = location.pathname + location.search;
  location.assign(`/login?expired=1&next=${encodeURIComponent(here)}`);
}

export function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  const digits = unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" }).format(date);
}

// Ask before a destructive action; the <dialog> is in the page, the text on the trigger.
export function confirmAction(message, okLabel) {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog) return Promise.resolve(window.confirm(message));
  dialog.querySelector("[data-confirm-text]").textContent = message;
  const ok = dialog.querySelector("[data-confirm-ok]");
  ok.textContent = okLabel || ok.dataset.defaultLabel || ok.textContent;
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

function setUpMenu() {
  const header = document.querySelector(".site-header");
  const toggle = header?.querySelector(".nav-toggle");
  if (!toggle) return;
  const setOpen = (open) => {
    header.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setOpen(!header.classList.contains("is-open")));
  header.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("is-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}

function setUpConfirmForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.confirmed === "1") return;
      event.preventDefault();
      if (await confirmAction(form.dataset.confirm, form.dataset.confirmButton)) {
        form.dataset.confirmed = "1";
        form.requestSubmit();
      }
    });
  }
}

export function setUpCopy(root = document) {
  for (const button of root.querySelectorAll("[data-copy]")) {
    if (button.dataset.copyReady) continue;
    button.dataset.copyReady = "1";
    button.addEventListener("click", async () => {
      const input = document.querySelector(button.dataset.copy);
      const label = button.querySelector("[data-copy-label]");
      try {
        await navigator.clipboard.writeText(input.value);
      } catch {
        input.select();
        document.execCommand("copy");
      }
      if (label) {
        const original = label.dataset.original || label.textContent;
        label.dataset.original = original;
        label.textContent = button.dataset.copied || document.documentElement.dataset.copied || "✓";
        setTimeout(() => { label.textContent = original; }, 2000);
      }
    });
  }
}

function localTimes() {
  for (const time of document.querySelectorAll("time[datetime]")) {
    const text = formatDate(time.getAttribute("datetime"));
    if (text) time.textContent = text;
  }
}

setUpMenu();
setUpConfirmForms();
setUpCopy();
localTimes();
