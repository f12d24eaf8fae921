// Passkeys (WebAuthn): add one on /account/passkeys, sign in with one on the login page
// or as the second step. The server's options go through parse*OptionsFromJSON and the
// credential comes back as toJSON(); the API verifies it (services/passkeys.py).
import { api } from "./app.js";

const supported = () => Boolean(window.PublicKeyCredential
  && PublicKeyCredential.parseCreationOptionsFromJSON
  && PublicKeyCredential.parseRequestOptionsFromJSON
  && window.isSecureContext);

function say(root, text) {
  const box = root.querySelector("[data-passkey-error]");
  box.textContent = text;
  box.hidden = !text;
}

// What to tell a person about a failed ceremony, from the browser or the API.
function reason(root, error) {
  if (error.name === "NotAllowedError" || error.name === "AbortError") return root.dataset.cancelled;
  if (error.name === "InvalidStateError" && root.dataset.exists) return root.dataset.exists;
  const byCode = {
    invalid_credentials: root.dataset.unknown, mfa_token_invalid: root.dataset.expired,
    account_disabled: root.dataset.disabled, user_verification_required: root.dataset.unverified,
    too_many_requests: root.dataset.throttled,
  };
  return byCode[error.code] || root.dataset.failed;
}

function setUpAdding(form) {
  const button = form.querySelector("button[type=submit]");
  if (!supported()) {
    document.querySelector("[data-passkey-unsupported]").hidden = false;
    return;
  }
  button.disabled = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    say(form, "");
    try {
      const made = await api("/api/v1/me/passkeys/options", { method: "POST" });
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(made.options);
      const credential = await navigator.credentials.create({ publicKey });
      const name = form.elements.name.value.trim() || undefined;
      await api("/api/v1/me/passkeys", {
        method: "POST", body: { challenge: made.challenge, credential: credential.toJSON(), name },
      });
      location.assign(form.dataset.done);
    } catch (error) {
      say(form, reason(form, error));
      button.disabled = false;
    }
  });
}

function setUpSignIn(box) {
  if (!supported()) return;
  box.hidden = false;
  const button = box.querySelector("button");
  const mfaToken = box.dataset.mfaToken || undefined;
  button.addEventListener("click", async () => {
    button.disabled = true;
    say(box, "");
    try {
      const made = await api("/api/v1/auth/passkeys/options", { method: "POST", body: { mfa_token: mfaToken } });
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(made.options);
      const credential = await navigator.credentials.get({ publicKey });
      await api("/api/v1/auth/passkeys/login", {
        method: "POST",
        body: { challenge: made.challenge, credential: credential.toJSON(), mfa_token: mfaToken },
      });
      location.assign(box.dataset.next);
    } catch (error) {
      say(box, reason(box, error));
      button.disabled = false;
    }
  });
}

const form = document.querySelector("[data-passkey-add]");
if (form) setUpAdding(form);
for (const box of document.querySelectorAll("[data-passkey-sign-in]")) setUpSignIn(box);
