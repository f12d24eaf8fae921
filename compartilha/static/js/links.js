// My links: each link's download history, fetched from the API when its panel opens.
import { api, formatDate, formatSize, toLogin } from "./app.js";

const root = document.getElementById("links-app");
const t = JSON.parse(root.dataset.i18n);

function item(text, extra) {
  const li = document.createElement("li");
  li.textContent = text;
  if (extra) li.append(Object.assign(document.createElement("span"), { className: "muted", textContent: ` · ${extra}` }));
  return li;
}

for (const panel of root.querySelectorAll("[data-receipts]")) {
  panel.addEventListener("toggle", async () => {
    if (!panel.open || panel.dataset.loaded) return;
    panel.dataset.loaded = "1";
    const list = panel.querySelector(".receipt-list");
    try {
      const { accesses } = await api(panel.dataset.receipts);
      if (!accesses.length) return list.append(item(t.empty));
      for (const a of accesses) {
        const state = a.completed === null ? t.running : a.completed ? t.completed : t.interrupted;
        list.append(item(`${formatDate(a.at)} — ${a.user_name || t.anonymous}`, `${state}, ${formatSize(a.bytes_sent)}`));
      }
    } catch (error) {
      if (error.status === 401) return toLogin();
      list.append(item(t.failed));
    }
  });
}
