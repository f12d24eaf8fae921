// A real OpenID provider for the tests: oidc-provider (tests/clients/package.json) on
// 127.0.0.1. Usage: node provider.mjs <config.json>, where the config names the port,
// one client (id, secret, redirect URIs) and the accounts file, a JSON object
// {login: {email, email_verified, name, groups}} read again at every sign-in, so a test
// can rewrite it between two sign-ins. The login form is oidc-provider's
// devInteractions (any password); consent is granted without asking (first-party client).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "clients", "package.json"));
const { default: Provider } = await import(require.resolve("oidc-provider"));

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;

function accounts() {
  return JSON.parse(readFileSync(config.accounts, "utf8"));
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: config.auth_method || "client_secret_basic",
  }],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username", "groups"],
  },
  conformIdTokenClaims: false, // the claims of the scopes go in the id_token too
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["test-provider-cookie-key"] },
  async findAccount(ctx, id) {
    const found = accounts()[id];
    if (!found) return undefined;
    return {
      accountId: id,
      async claims() { return { sub: id, preferred_username: id, ...found }; },
    };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});
provider.on("server_error", (ctx, err) => console.error("server_error", err));
provider.listen(config.port, "127.0.0.1", () => console.log(`listening ${issuer}`));
