const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);

export interface CallbackPage {
  title: string;
  message: string;
  homeUrl: string;
  /** Where in the dashboard the sign-in is started, e.g. `Settings → Inboxes → Add inbox`. */
  startFrom: string;
}

/** What the browser sees when a callback is refused before it can tell which account it belongs to. */
export function callbackErrorPage(opts: CallbackPage): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(opts.title)} · LeadChat</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.25rem}a{color:#1f6feb}</style></head>
<body>
<h1>${escapeHtml(opts.title)}</h1>
<p>${escapeHtml(sentence(opts.message))}</p>
<p>Nothing was connected. Start again from <em>${escapeHtml(opts.startFrom)}</em> in LeadChat, in this browser.</p>
<p><a href="${escapeHtml(opts.homeUrl)}">Back to LeadChat</a></p>
</body>
</html>`;
}
