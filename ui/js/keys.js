// Copy and download of generated keys, shared by the result card, the batch table and the history.
// Copying happens in Rust, so a copied secret never passes through this window.
import * as api from './api.js';
import { h } from './dom.js';
import { icon } from './icons.js';
import { copied, say } from './status.js';

export const SINGLE_FORMATS = [['json', 'JSON'], ['env', '.env'], ['text', 'Text (.txt)']];
export const BATCH_FORMATS = [['csv', 'CSV'], ['json', 'JSON']];

export async function copyField(keyId, field, onError) {
  try {
    copied(await api.copyValue(keyId, field));
  } catch (e) {
    onError(e);
  }
}

// Resolves to true when a file was written, false when the save dialog was cancelled.
export async function downloadKeys(keyIds, format, onError) {
  try {
    const result = await api.exportKeys(keyIds, format);
    if (!result || result.cancelled) return false;
    say(result.path ? `Saved to ${result.path}.` : 'Saved.', { keepMs: 15000 });
    return true;
  } catch (e) {
    onError(e);
    return false;
  }
}

// An icon button whose name says what it copies ("Copy secret key"), for screen readers and tooltips.
export function copyButton(text, testid, onClick) {
  return h('button', { type: 'button', class: 'icon-button', 'aria-label': text, title: text, testid, onclick: onClick },
    icon('copy'));
}

// A selectable value that Ctrl/Cmd+C copies through the backend (see shortcuts.js).
export function copyableValue(text, keyId, field, testid) {
  return h('span', {
    class: 'value mono', tabindex: '0', testid,
    dataset: { copyField: field, keyId },
  }, text);
}

export function providerBadge(profile) {
  if (!profile) return null;
  if (profile.isDemo) return h('span', { class: 'badge demo', testid: 'env-badge' }, icon('warning'), 'DEMO — offline emulator');
  const live = String(profile.providerMode).toUpperCase() === 'LIVE';
  return h('span', {
    class: live ? 'badge live' : 'badge test', testid: 'env-badge',
    title: profile.environmentLabel || profile.environment || '',
  }, live ? icon('warning') : null, live ? 'LIVE environment' : 'TEST environment');
}

export function statusBadge(status, testid) {
  const word = String(status || 'UNKNOWN').toUpperCase();
  const good = word === 'ACTIVE';
  return h('span', { class: good ? 'badge ok' : 'badge warn', testid }, icon(good ? 'check' : 'warning'), word);
}
