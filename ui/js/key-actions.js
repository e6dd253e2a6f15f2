// After a key is issued: its status at Cybersource, deleting and replacing keys, with a confirmation that
// names each merchant and says what happens, and a result per key.
import * as api from './api.js';
import { h } from './dom.js';
import { confirmDialog } from './dialog.js';
import { icon } from './icons.js';
import { formatDateTime } from './format.js';
import { merchantLabel, profileByName } from './state.js';

const WORDS = { ACTIVE: 'Active', DELETED: 'Deleted', INACTIVE: 'Inactive', EXPIRED: 'Expired', NOT_FOUND: 'Not found' };

// DELETED once deleted here, else what Cybersource said last, else the status the key was issued with.
export function shownStatus(entry) {
  if (entry.deletedAt) return 'DELETED';
  return String(entry.lastStatus || entry.status || 'UNKNOWN').toUpperCase();
}

export function isActive(entry) {
  return shownStatus(entry) === 'ACTIVE';
}

// The status in words (never colour alone), with when it was checked or deleted.
export function statusBadgeFor(entry) {
  const word = shownStatus(entry);
  const text = WORDS[word] || word.charAt(0) + word.slice(1).toLowerCase();
  const when = entry.deletedAt ? `deleted ${formatDateTime(entry.deletedAt)}`
    : entry.checkedAt ? `checked ${formatDateTime(entry.checkedAt)}` : 'not checked yet';
  return h('span', { class: 'key-status', testid: 'history-key-status', dataset: { status: word } },
    h('span', { class: word === 'ACTIVE' ? 'badge ok' : 'badge warn', testid: 'history-status' },
      icon(word === 'ACTIVE' ? 'check' : 'warning'), text),
    h('span', { class: 'muted', testid: 'history-checked' }, when));
}

export function merchantName(entry) {
  const label = merchantLabel(profileByName(entry.profile), entry.cybersourceMerchantId);
  return label ? `${label} (${entry.cybersourceMerchantId})` : entry.cybersourceMerchantId;
}

function named(entries) {
  const names = [...new Set(entries.map(merchantName))];
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

// Asks first; resolves to the per-key results, or null when the user cancelled.
export async function deleteKeys(entries) {
  const one = entries.length === 1;
  const ok = await confirmDialog({
    title: one ? 'Delete this key?' : `Delete ${entries.length} keys?`,
    message: `${one ? 'The key' : 'The keys'} of ${named(entries)} will be deleted at Cybersource. `
      + `Devices that use ${one ? 'this key' : 'these keys'} stop working. This cannot be undone.`,
    okText: one ? 'Delete key' : `Delete ${entries.length} keys`,
    danger: true,
  });
  if (!ok) return null;
  return api.keysDelete(entries.map((e) => e.keyId));
}

// Asks first; a new key per merchant, kept, then the merchant's earlier keys deleted. Null when cancelled.
export async function replaceKeys(entries) {
  const one = entries.length === 1;
  const ok = await confirmDialog({
    title: one ? 'Replace this key?' : `Replace ${entries.length} keys?`,
    message: `A new key is generated for ${named(entries)} and kept here; then the earlier keys of `
      + `${one ? 'this merchant' : 'these merchants'} are deleted at Cybersource. Devices that use `
      + `${one ? 'this key' : 'these keys'} stop working until they get the new one.`,
    okText: one ? 'Replace key' : `Replace ${entries.length} keys`,
    danger: true,
  });
  if (!ok) return null;
  return api.keysReplace(entries.map((e) => e.keyId));
}

// One line per key: deleted, or not and why (Details behind a disclosure).
export function deleteResults(results, byId) {
  const done = results.filter((r) => r.deleted).length;
  const summary = done === results.length
    ? `${done === 1 ? 'Key' : `${done} keys`} deleted.`
    : `${done} of ${results.length} keys deleted; ${results.length - done} not.`;
  return h('div', { class: 'card key-results', testid: 'key-results', role: 'status' },
    h('p', { testid: 'key-results-summary' }, summary),
    h('ul', {}, ...results.map((r) => {
      const entry = byId.get(r.keyId);
      const who = entry ? merchantName(entry) : r.cybersourceMerchantId;
      return h('li', { testid: 'key-result', dataset: { keyId: r.keyId, deleted: String(r.deleted) } },
        r.deleted ? h('span', { class: 'ok-text' }, icon('check'), `Deleted: ${who}`)
          : h('span', { class: 'warn-text' }, icon('warning'), `Not deleted: ${who}. ${r.error ? r.error.message : ''}`),
        r.warning ? h('span', { class: 'muted' }, ` ${r.warning}`) : null,
        r.error && r.error.detail ? h('details', {}, h('summary', {}, 'Details'), h('pre', {}, r.error.detail)) : null);
    })));
}
