// The one status line at the bottom of the window; an aria-live region, so screen readers hear it.
import { h } from './dom.js';

let region = null;
let timer = 0;

export function statusLine() {
  region = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite', testid: 'status-line' });
  return region;
}

// Short-lived confirmations fade back to empty so a stale "Copied." never describes a later action.
export function say(text, { keepMs = 8000 } = {}) {
  if (!region) return;
  clearTimeout(timer);
  region.textContent = text;
  if (keepMs) timer = setTimeout(() => { region.textContent = ''; }, keepMs);
}

export function copied(result) {
  const secs = result && Number(result.clearsInSecs);
  say(secs > 0 ? `Copied. Clipboard clears in ${secs} s.` : 'Copied.', { keepMs: secs > 0 ? secs * 1000 : 8000 });
}
