const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the browser sees when a callback cannot even tell which account it belongs to. */
export function callbackErrorPage(opts: { title: string; message: string; homeUrl: string }): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(opts.title)} · LeadChat</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.25rem}a{color:#1f6feb}</style></head>
<body>
<h1>${escapeHtml(opts.title)}</h1>
<p>${escapeHtml(opts.message)}</p>
<p>Nothing was connected. Start again from <em>Settings → Inboxes → Add inbox</em>.</p>
<p><a href="${escapeHtml(opts.homeUrl)}">Back to LeadChat</a></p>
</body>
</html>`;
}
