// The card for one generated key: the values mposUi needs, each with a copy button, the secret masked
// until asked for, and where the key is kept.
import * as api from './api.js';
import { h, select, busy } from './dom.js';
import { errorSlot } from './errors.js';
import { icon } from './icons.js';
import { formatExpiry } from './format.js';
import { SINGLE_FORMATS, copyButton, copyableValue, copyField, downloadKeys, statusBadge } from './keys.js';
import { olderKeysNotice } from './older-keys.js';

const MASK = '••••••••••••••••••••';

export function resultCard(key) {
  const errors = errorSlot();
  const onError = (e) => errors.show(e);
  const copy = (field) => () => { errors.clear(); copyField(key.keyId, field, onError); };

  const secret = copyableValue(MASK, key.keyId, 'secret', 'result-secret');
  secret.classList.add('secret');
  secret.setAttribute('aria-label', 'Secret key, hidden');
  const reveal = h('button', {
    type: 'button', class: 'icon-button', 'aria-pressed': 'false', 'aria-label': 'Show secret key',
    title: 'Show secret key', testid: 'reveal-secret',
  }, icon('eye'));

  function mask() {
    secret.textContent = MASK;
    secret.setAttribute('aria-label', 'Secret key, hidden');
    reveal.setAttribute('aria-pressed', 'false');
    reveal.setAttribute('aria-label', 'Show secret key');
    reveal.title = 'Show secret key';
    reveal.replaceChildren(icon('eye'));
  }

  reveal.addEventListener('click', () => {
    errors.clear();
    if (reveal.getAttribute('aria-pressed') === 'true') { mask(); return; }
    // Asked for on every reveal, never kept: hiding drops the only copy this window had.
    busy(reveal, null, async () => {
      try {
        secret.textContent = await api.keyReveal(key.keyId);
        secret.removeAttribute('aria-label');
        reveal.setAttribute('aria-pressed', 'true');
        reveal.setAttribute('aria-label', 'Hide secret key');
        reveal.title = 'Hide secret key';
        reveal.replaceChildren(icon('eyeOff'));
      } catch (e) {
        onError(e);
      }
    });
  });

  const row = (label, value, ...buttons) => [
    h('dt', {}, label),
    h('dd', {}, value, buttons.length ? h('span', { class: 'row-buttons' }, buttons) : null),
  ];

  const format = select(SINGLE_FORMATS, 'json', { 'aria-label': 'File format', testid: 'download-format' });
  const download = h('button', { type: 'button', testid: 'download-button' }, icon('download'), 'Download…');
  const stored = h('span', { class: 'stored', testid: 'result-stored' });
  const showStored = () => {
    if (key.stored) stored.replaceChildren(h('span', { class: 'ok-text' }, 'Stored in keychain ', icon('check')));
    else if (key.exported) stored.replaceChildren(h('span', { class: 'ok-text' }, 'Downloaded ', icon('check')));
    else stored.replaceChildren(h('span', { class: 'warn-text' }, icon('warning'), 'Not stored — download it now'));
  };
  download.addEventListener('click', () => {
    errors.clear();
    busy(download, null, async () => {
      if (await downloadKeys([key.keyId], format.value, onError)) {
        key.exported = true;
        showStored();
      }
    });
  });
  showStored();

  const titleId = `key-${key.keyId}`;
  const card = h('section', { class: 'card result-card', testid: 'result-card', 'aria-labelledby': titleId },
    h('header', { class: 'card-head' },
      h('h2', { id: titleId }, 'Key for ', h('span', { class: 'mono' }, key.cybersourceMerchantId)),
      statusBadge(key.status, 'result-status')),
    h('dl', { class: 'kv' },
      row('mposUi merchant id', copyableValue(key.merchantId, key.keyId, 'merchantId', 'result-merchant-id'),
        copyButton('Copy mposUi merchant id', 'copy-merchant-id', copy('merchantId'))),
      row('Secret key', secret, reveal, copyButton('Copy secret key', 'copy-secret', copy('secret'))),
      row('Key id', copyableValue(key.keyId, key.keyId, 'keyId', 'result-key-id'),
        copyButton('Copy key id', 'copy-key-id', copy('keyId'))),
      row('Expires', h('span', { testid: 'result-expires' }, formatExpiry(key.expirationDate))),
      row('Provider mode', h('span', { class: 'mono', testid: 'result-provider-mode' }, key.providerMode || '—'))),
    errors.el,
    olderKeysNotice(key),
    h('footer', { class: 'card-foot' },
      h('button', { type: 'button', testid: 'copy-snippet', onclick: copy('snippet') }, icon('copy'), 'Copy for mposUi'),
      h('span', { class: 'join' }, format, download),
      stored));

  return { el: card, download: () => download.click() };
}
