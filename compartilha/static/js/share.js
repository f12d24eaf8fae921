// The share dialog: every option of POST /api/v1/files/{id}/shares, then the link,
// a copy button and the server-made QR code; or, with addresses to send it to, the
// list of people who got a link of their own by email.
import { api, formatDate, setUpCopy, toLogin } from "./app.js";

const dialog = document.getElementById("share-dialog");

function closeOn(dialogElement) {
  for (const button of dialogElement.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => dialogElement.close());
  }
}

export function setUpShareDialog(messages) {
  if (!dialog) return null;
  const form = dialog.querySelector("[data-share-form]");
  const result = dialog.querySelector("[data-share-result]");
  const expiry = form.querySelector("[data-expiry]");
  const custom = form.querySelector("[data-custom-expiry]");
  const formError = form.querySelector("[data-share-error]");
  let fileId = null;
  closeOn(dialog);
  setUpCopy(dialog);

  expiry.addEventListener("change", () => {
    custom.hidden = expiry.value !== "custom";
    if (!custom.hidden) custom.querySelector("input").focus();
  });

  function clearErrors() {
    formError.hidden = true;
    for (const p of form.querySelectorAll("[data-error-for]")) p.textContent = "";
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  // Every wrong field at once, each message under its field and bound to it
  // (aria-describedby, aria-invalid); the first wrong field takes the focus.
  function showErrors(error) {
    const fields = error.fields || (error.field ? { [error.field]: error.message } : {});
    let first = null;
    for (const [name, message] of Object.entries(fields)) {
      const key = name === "expires_at" && expiry.value !== "custom" ? "expiry" : name;
      const slot = form.querySelector(`[data-error-for="${key}"]`);
      if (!slot) continue;
      slot.textContent = message;
      const input = key === "expiry" ? expiry : form.querySelector(`[name="${name}"]`);
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    if (!first || Object.keys(fields).length > 1) {
      formError.textContent = error.message || messages.network;
      formError.hidden = false;
    }
    if (first) first.focus();
  }

  function options() {
    const data = new FormData(form);
    const body = {};
    if (expiry.value === "custom") {
      const local = data.get("expires_at");
      body.expires_at = local ? new Date(local).toISOString() : "";
    } else if (expiry.value) {
      body.expires_at = new Date(Date.now() + Number(expiry.value) * 1000).toISOString();
    } else {
      body.expires_at = null; // "Never": not the instance's default expiry
    }
    const max = String(data.get("max_downloads") || "").trim();
    body.max_downloads = max ? Number(max) : null; // empty: no limit, whatever the default
    const password = String(data.get("password") || "");
    if (password) body.password = password;
    const recipient = String(data.get("recipient_email") || "").trim();
    if (recipient) body.recipient_email = recipient;
    const addresses = String(data.get("recipients") || "").split(/[\s,;]+/).filter(Boolean);
    if (addresses.length) body.recipients = addresses;
    const message = String(data.get("message") || "").trim();
    if (message) body.message = message;
    if (data.get("notify_on_download")) body.notify_on_download = true;
    return body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      const created = await api(`/api/v1/files/${fileId}/shares`, { method: "POST", body: options() });
      if (created.shares) showSent(created.shares);
      else showResult(created.share);
    } catch (error) {
      if (error.status === 401) return toLogin();
      showErrors(error);
    } finally {
      submit.disabled = false;
    }
  });

  function showOne(one) {
    form.hidden = true;
    result.hidden = false;
    const done = result.querySelector("[data-share-done]");
    done.dataset.ready = done.dataset.ready || done.textContent;
    done.textContent = one ? done.dataset.ready : done.dataset.sent;
    for (const part of result.querySelectorAll("[data-one-link]")) part.hidden = !one;
    result.querySelector("[data-share-sent]").hidden = one;
  }

  function showSent(shares) {
    showOne(false);
    const list = result.querySelector("[data-share-sent]");
    list.replaceChildren(...shares.map((share) => {
      const item = document.createElement("li");
      item.textContent = share.recipient_email;
      return item;
    }));
    result.querySelector(".dialog-actions a").focus();
  }

  function showResult(share) {
    showOne(true);
    result.querySelector("[data-share-link]").value = share.url;
    const qr = result.querySelector("[data-share-qr]");
    qr.src = dialog.dataset.qrUrl.replace("/0/", `/${share.id}/`);
    const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
    const facts = [];
    if (share.expires_at) facts.push(fill(messages.sum_expires, { when: formatDate(share.expires_at) }));
    if (share.max_downloads) facts.push(fill(messages.sum_limit, { n: share.max_downloads }));
    if (share.has_password) facts.push(messages.sum_password);
    if (share.recipient_email) facts.push(fill(messages.sum_recipient, { email: share.recipient_email }));
    if (share.notify_on_download) facts.push(messages.sum_notify);
    result.querySelector("[data-share-summary]").textContent = facts.length ? facts.join(" · ") : messages.sum_open;
    result.querySelector("[data-copy]").focus();
  }

  return function open(file) {
    fileId = file.id;
    form.reset();
    clearErrors();
    custom.hidden = true;
    form.hidden = false;
    result.hidden = true;
    dialog.querySelector("[data-share-file]").textContent = `· ${file.name}`;
    dialog.showModal();
  };
}
