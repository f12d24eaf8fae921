// Previews of safe types. The bytes come from a route that answers with a sandbox CSP and
// nosniff; text is read with fetch and shown as text, so it can never become markup.
const TEXT_LIMIT = 256 * 1024;

// A 206 answers any Range, even one past the end: only a total beyond what came is cut short.
function isTruncated(response) {
  const match = /bytes (\d+)-(\d+)\/(\d+)/.exec(response.headers.get("Content-Range") || "");
  return response.status === 206 && !!match && Number(match[2]) + 1 < Number(match[3]);
}

export async function renderPreview(area, { url, type, name, messages = {} }) {
  area.replaceChildren();
  let element;
  if (type.startsWith("image/")) {
    element = Object.assign(document.createElement("img"), { src: url, alt: name });
  } else if (type.startsWith("video/")) {
    element = Object.assign(document.createElement("video"), { src: url, controls: true, preload: "metadata" });
    element.setAttribute("aria-label", name);
  } else if (type.startsWith("audio/")) {
    element = Object.assign(document.createElement("audio"), { src: url, controls: true, preload: "metadata" });
    element.setAttribute("aria-label", name);
  } else if (type === "application/pdf") {
    element = Object.assign(document.createElement("iframe"), { src: url, title: name });
  } else if (type.startsWith("text/")) {
    element = document.createElement("pre");
    element.tabIndex = 0;
    element.setAttribute("aria-label", name);
    const response = await fetch(url, { credentials: "same-origin", headers: { Range: `bytes=0-${TEXT_LIMIT - 1}` } });
    if (!response.ok) throw new Error(String(response.status));
    element.textContent = await response.text();
    if (isTruncated(response) && messages.truncated) {
      const note = Object.assign(document.createElement("p"), { className: "hint preview-note", textContent: messages.truncated });
      area.append(note);
    }
  } else {
    element = Object.assign(document.createElement("p"), { className: "muted", textContent: messages.none || "" });
  }
  area.prepend(element);
}
