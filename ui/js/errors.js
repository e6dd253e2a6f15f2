// An error shown where it happened: one sentence that says what to do, and Cybersource's own status,
// reason and message one click away under "Details".
import { h, uid } from './dom.js';
import { icon } from './icons.js';

export function errorBlock(err, { compact = false } = {}) {
  const message = (err && err.message) || 'Something went wrong.';
  const detailLines = [];
  if (err && err.code) detailLines.push(`Code: ${err.code}`);
  if (err && err.detail) detailLines.push(String(err.detail));

  const box = h('div', { class: compact ? 'error compact' : 'error', role: 'alert' });
  const text = h('span', {},
    h('span', { class: 'visually-hidden' }, 'Error: '),
    h('span', { testid: 'error-message' }, message));
  box.append(h('p', { class: 'error-line' }, icon('error', 'error-icon'), text));

  if (detailLines.length) {
    const details = h('pre', { class: 'error-details mono', id: uid('details'), hidden: true, testid: 'error-details' },
      detailLines.join('\n'));
    const toggle = h('button', {
      type: 'button', class: 'link', testid: 'error-details-toggle',
      'aria-expanded': 'false', 'aria-controls': details.id,
    }, 'Details');
    toggle.addEventListener('click', () => {
      const open = details.hidden;
      details.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? 'Hide details' : 'Details';
    });
    text.append(' ', toggle);
    box.append(details);
  }
  return box;
}

// Not an error, but something the user must act on now (e.g. keys that could not be stored).
export function warningBlock(text, testid = 'storage-warning') {
  return h('div', { class: 'warning', role: 'alert', testid },
    h('p', { class: 'error-line' }, icon('warning', 'warning-icon'),
      h('span', {}, h('span', { class: 'visually-hidden' }, 'Warning: '), text)));
}

// What a command said about the credential (e.g. a REST certificate expiring soon), one block each.
export function credentialWarnings(list) {
  return (list || []).map((w) => warningBlock(w, 'credential-warning'));
}

// A slot that holds at most one error; views clear it when the next attempt starts.
export function errorSlot() {
  const slot = h('div', { class: 'error-slot' });
  return {
    el: slot,
    show(err, opts) { slot.replaceChildren(errorBlock(err, opts)); },
    clear() { slot.replaceChildren(); },
  };
}
