// The public link page: show the sandboxed preview when the link allows one.
import { renderPreview } from "./preview.js";

const box = document.querySelector("[data-inline-preview]");
if (box) {
  renderPreview(box, { url: box.dataset.url, type: box.dataset.type, name: box.dataset.name })
    .catch(() => box.remove());
}
