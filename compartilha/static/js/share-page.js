// The public link page: the sandboxed preview when the link allows one, and, on a link
// with a download limit, the count kept current after each download: once the link has
// ended, the page becomes the one that says why (it is never left offering a dead button).
import { renderPreview } from "./preview.js";

const box = document.querySelector("[data-inline-preview]");
if (box) {
  renderPreview(box, {
    url: box.dataset.url, type: box.dataset.type, name: box.dataset.name,
    messages: { truncated: box.dataset.truncated },
  }).catch(() => box.remove());
}

const card = document.querySelector("[data-share-card][data-limited]");

async function refresh() {
  let response;
  try {
    response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch {
    return;  // offline for a moment: the next try, or the next click, tells
  }
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  if (response.ok) {
    const left = fresh.querySelector("[data-left]");
    const here = card.querySelector("[data-left]");
    if (left && here && left.textContent !== here.textContent) here.textContent = left.textContent;
    return;
  }
  const main = fresh.querySelector("main");
  if (main) {
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = fresh.title;
    document.querySelector("main").focus();
  }
}

if (card) {
  // A download counts when its last byte has been sent: look a few times after a click,
  // and whenever the person comes back to this tab.
  card.querySelector("[data-download]").addEventListener("click", () => {
    for (const delay of [800, 2000, 5000, 12000]) setTimeout(refresh, delay);
  });
  window.addEventListener("focus", refresh);
}
