// What the history keeps of activation codes: how many were made for which merchant, when, and until when.
// Never a code: they live in the window's memory only (see activation.js).
import * as api from './api.js';
import { h } from './dom.js';
import { errorBlock } from './errors.js';
import { formatDateTime } from './format.js';
import { profileByName, merchantLabel } from './state.js';

export function codesHistory() {
  const body = h('div', { testid: 'history-codes' });
  const el = h('section', { class: 'history-codes', 'aria-labelledby': 'history-codes-title', hidden: true },
    h('h2', { id: 'history-codes-title' }, 'Activation codes made'),
    h('p', { class: 'hint' }, 'The codes themselves are not kept: each works once, within 24 hours of being made.'),
    body);

  function row(r) {
    const label = merchantLabel(profileByName(r.profile), r.cybersourceMerchantId);
    return h('tr', { testid: 'history-codes-row', dataset: { mid: r.cybersourceMerchantId } },
      h('td', {}, label ? h('span', {}, label, ' ') : null, h('span', { class: label ? 'mono muted' : 'mono' }, r.cybersourceMerchantId)),
      h('td', { class: 'num', testid: 'history-codes-count' }, String(r.count)),
      h('td', {}, formatDateTime(r.generatedAt)),
      h('td', { testid: 'history-codes-until' }, formatDateTime(r.expiresAt),
        Date.parse(r.expiresAt) < Date.now() ? h('span', { class: 'muted' }, ' (expired)') : null),
      h('td', { class: 'muted' }, r.profile));
  }

  // A failure here must not hide the keys above it: it is shown in this section only.
  async function load(profile) {
    try {
      const records = (await api.historyCodes(profile)) || [];
      el.hidden = !records.length;
      body.replaceChildren(h('div', { class: 'table-wrap' }, h('table', { class: 'codes-history-table', 'aria-labelledby': 'history-codes-title' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Merchant'),
          h('th', { scope: 'col', class: 'num' }, 'Codes'),
          h('th', { scope: 'col' }, 'Made'),
          h('th', { scope: 'col' }, 'Valid until'),
          h('th', { scope: 'col' }, 'Profile'))),
        h('tbody', {}, records.map(row)))));
    } catch (e) {
      el.hidden = false;
      body.replaceChildren(errorBlock(e, { compact: true }));
    }
  }

  return { el, load };
}
