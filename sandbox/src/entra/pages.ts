// The sign-in + consent pages. Plain HTML forms, so a browser test can click through them and an
// HTTP test can post them.
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;color:#222}
.box{border:1px solid #ccc;border-radius:6px;padding:1.5rem}h1{font-size:1.3rem}label{display:block;margin:.6rem 0 .2rem}
select,input{width:100%;padding:.4rem}button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.err{color:#b00020}
li{margin:.2rem 0}</style></head>
<body><div class="box"><p>Sandbox — Microsoft Entra ID stand-in</p>${body}</div></body></html>`;
}

export interface ConsentPageInput {
  action: string;
  requestId: string;
  appName: string;
  users: readonly { upn: string; displayName: string }[];
  loginHint: string | undefined;
  /** Human descriptions of what is asked for. */
  permissions: string[];
  error?: string;
  heading: string;
}

export function signInAndConsentPage(p: ConsentPageInput): string {
  const options = p.users.map((u) => `<option value="${esc(u.upn)}"${p.loginHint?.toLowerCase() === u.upn ? ' selected' : ''}>${esc(u.displayName)} (${esc(u.upn)})</option>`).join('');
  return layout(p.heading, `
<h1>${esc(p.heading)}</h1>
${p.error ? `<p class="err" id="error">${esc(p.error)}</p>` : ''}
<form method="post" action="${esc(p.action)}">
<input type="hidden" name="request" value="${esc(p.requestId)}">
<label for="login">Account</label><select id="login" name="login">${options}</select>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<p><strong>${esc(p.appName)}</strong> would like to:</p>
<ul id="permissions">${p.permissions.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
<button type="submit" name="decision" value="accept" id="accept">Accept</button>
<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
</form>`);
}

export function adminApprovalPage(p: { action: string; requestId: string; appName: string; permissions: string[] }): string {
  return layout('Need admin approval', `
<h1 id="need-admin-approval">Need admin approval</h1>
<p><strong>${esc(p.appName)}</strong> needs permission to access resources in your organization that only an admin can grant.
Please ask an admin to grant permission to this app before you can use it.</p>
<ul id="permissions">${p.permissions.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
<form method="post" action="${esc(p.action)}">
<input type="hidden" name="request" value="${esc(p.requestId)}">
<button type="submit" name="decision" value="cancel" id="back">Return to the application without granting consent</button>
</form>`);
}

export function errorPage(code: string, message: string): string {
  return layout('Sign in error', `<h1>Sorry, but we're having trouble signing you in.</h1><p class="err" id="error">${esc(code)}: ${esc(message)}</p>`);
}
