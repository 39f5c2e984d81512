import { randomBytes } from 'node:crypto';
import { html, type HttpResponse } from '#shared/http/index.ts';
import { OUTCOMES } from '#functions/org-mapping/core/reasons.ts';
import type { CallbackResult } from '#functions/org-mapping/core/complete-confirmation.ts';
import { escapeHtml, scriptValue } from '#shared/pages/escape.ts';
import { pageStyle } from '#shared/pages/style.ts';

/**
 * The page the IMS popup lands on. It tells the admin page (its opener) the
 * result with postMessage to the exact origin stored with the attempt (never
 * '*'), then closes. Without an opener, or without a trusted origin (a forged
 * state), it only shows the result; the admin page polls instead.
 */
export function popupPage(result: CallbackResult): HttpResponse {
  const { status, message } = OUTCOMES[result.outcome];
  const nonce = randomBytes(16).toString('base64');
  const payload = { type: 'orgbridge:org-mapping', outcome: result.outcome, attemptId: result.attemptId ?? null, munchkinId: result.munchkinId ?? null, message };
  const title = result.outcome === 'mapped' ? 'Adobe organization mapped' : 'Adobe organization not mapped';
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${pageStyle}</style></head>
<body>
<main>
  <h1 id="title">${escapeHtml(title)}</h1>
  <p id="message" class="notice ${result.outcome === 'mapped' ? 'ok' : 'error'}" data-outcome="${escapeHtml(result.outcome)}">${escapeHtml(message)}</p>
  <p id="closing" hidden>This window closes by itself.</p>
</main>
<script nonce="${nonce}">
(function () {
  var result = ${scriptValue(payload)};
  var origin = ${scriptValue(result.openerOrigin ?? null)};
  if (!origin || !window.opener) return;
  try {
    window.opener.postMessage(result, origin);
    document.getElementById('closing').hidden = false;
    setTimeout(function () { window.close(); }, 1200);
  } catch (e) { /* the opener navigated away: the admin page polls instead */ }
})();
</script>
</body>
</html>`;
  return html(status, body, { scriptNonce: nonce });
}
