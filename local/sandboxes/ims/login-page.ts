import type { SandboxResponse } from '#local/sandboxes/framework.ts';

export const LOGIN_FORM_PATH = '/ims/authorize/v2/login';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page works without scripts (a plain form post), so it allows none. No form-action: browsers
  // apply it to the redirect that follows the post, which goes to the client's (other) origin.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f4f4f4; display: flex; justify-content: center; padding-top: 10vh; }
main { background: #fff; padding: 2rem 2.5rem; border-radius: 8px; box-shadow: 0 2px 10px rgba(0,0,0,.1); width: 22rem; }
label { display: block; margin-top: 1rem; font-size: .9rem; }
input[type=email], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }
button { margin-top: 1.5rem; width: 100%; padding: .6rem; background: #1473e6; color: #fff; border: 0; border-radius: 16px; font-size: 1rem; }
.error { color: #c9252d; margin-top: 1rem; }
.note { color: #6e6e6e; font-size: .8rem; margin-top: 1.5rem; }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The sign-in form: a progressive, script-free page, as a person sees Adobe's (a local stand-in, never Adobe's markup). */
export function loginPage(input: { requestId: string; clientId: string; email?: string; error?: string }): SandboxResponse {
  const error = input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '';
  const body = `
<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(input.clientId)}</strong></p>
${error}
<form method="post" action="${LOGIN_FORM_PATH}">
<input type="hidden" name="request" value="${escapeHtml(input.requestId)}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="note">Adobe IMS sandbox (local, loopback only)</p>`;
  return { status: 200, headers: PAGE_HEADERS, body: page('Sign in - Adobe IMS sandbox', body) };
}

/** Shown when IMS cannot send the person back anywhere it trusts (unknown client, expired sign-in). */
export function errorPage(status: number, message: string): SandboxResponse {
  return { status, headers: PAGE_HEADERS, body: page('Sign-in error - Adobe IMS sandbox', `<h1>Something went wrong</h1><p class="error" role="alert">${escapeHtml(message)}</p>`) };
}
