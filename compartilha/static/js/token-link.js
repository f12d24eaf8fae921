// The pages of mailed links (/verify, /reset): the token travels in the link's fragment,
// which browsers never send to a server (so no log holds it). Copy it into the form, and
// take it out of the address bar and the history.
const form = document.querySelector("[data-token-form]");
const token = decodeURIComponent(window.location.hash.slice(1));
if (form && token) {
  form.elements.token.value = token;
  sessionStorage.setItem(`token:${window.location.pathname}`, token);
  history.replaceState(null, "", window.location.pathname);
} else if (form) {
  // After a failed post the page comes back without the fragment: the token is kept.
  const kept = sessionStorage.getItem(`token:${window.location.pathname}`);
  if (kept) {
    form.elements.token.value = kept;
  } else {
    document.querySelector("[data-token-missing]").hidden = false;
  }
}
