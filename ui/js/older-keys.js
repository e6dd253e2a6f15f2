// On a new key's card: when the merchant still has older active keys (this profile's, from the history),
// say so and offer to delete them, so a replaced key does not keep working on a lost device.
import * as api from './api.js';
import { h, busy } from './dom.js';
import { icon } from './icons.js';
import { deleteKeys, deleteResults, isActive } from './key-actions.js';
import { say } from './status.js';

export function olderKeysNotice(key) {
  const slot = h('div', { class: 'older-keys', testid: 'older-keys', 'aria-live': 'polite' });
  if (!key.stored || !key.profile) return slot;
  api.historyList(key.profile).then((entries) => {
    const older = (entries || []).filter((e) => e.cybersourceMerchantId === key.cybersourceMerchantId
      && e.keyId !== key.keyId && isActive(e));
    if (!older.length) return;
    const button = h('button', { type: 'button', class: 'quiet-danger', testid: 'older-keys-delete' },
      icon('trash'), older.length === 1 ? 'Delete the older key…' : `Delete the ${older.length} older keys…`);
    const text = h('p', { class: 'warn-text', testid: 'older-keys-text' }, icon('warning'),
      older.length === 1 ? 'This merchant has an older key that still works.'
        : `This merchant has ${older.length} older keys that still work.`);
    button.addEventListener('click', () => busy(button, null, async () => {
      try {
        const results = await deleteKeys(older);
        if (!results) return;
        slot.replaceChildren(deleteResults(results, new Map(older.map((e) => [e.keyId, e]))));
        say('Older keys deleted.');
      } catch (e) {
        slot.replaceChildren(h('p', { class: 'warn-text' }, icon('warning'), e.message || String(e)));
      }
    }));
    slot.replaceChildren(text, button);
  }).catch(() => { /* the history is optional here */ });
  return slot;
}
