// Keys generated earlier: never a secret on screen, but copy and download stay possible, and a key can
// be forgotten once it is safely on its devices.
import * as api from './api.js';
import { h, busy, checkbox, select } from './dom.js';
import { confirmDialog } from './dialog.js';
import { errorSlot, errorBlock } from './errors.js';
import { icon } from './icons.js';
import { formatDateTime, formatExpiry } from './format.js';
import { SINGLE_FORMATS, copyButton, copyField, downloadKeys, statusBadge } from './keys.js';
import { say } from './status.js';
import { activeProfile, profileByName, merchantLabel, settings } from './state.js';
import { viewHeader } from './view-header.js';

let allProfiles = false;

export function mount(root, ctx) {
  const profile = activeProfile();
  const errors = errorSlot();
  const list = h('ul', { class: 'history-list', 'aria-label': 'Generated keys' });
  const all = checkbox('All profiles', allProfiles || !profile, { testid: 'history-all-profiles', disabled: !profile });
  const format = select(SINGLE_FORMATS, 'json', { testid: 'history-format' });
  const formatField = h('label', { class: 'inline-field' }, 'Download as', format);

  const view = h('section', { class: 'view history-view', 'aria-labelledby': 'history-title' },
    viewHeader('History', 'history-title', ctx),
    h('div', { class: 'toolbar' }, all.el, h('span', { class: 'spacer' }), formatField),
    errors.el,
    list);
  root.append(view);

  async function load() {
    errors.clear();
    list.setAttribute('aria-busy', 'true');
    try {
      const entries = await api.historyList(all.input.checked ? null : profile.name);
      render(entries || []);
    } catch (e) {
      list.replaceChildren();
      errors.show(e);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  function render(entries) {
    list.replaceChildren();
    if (!entries.length) {
      const off = settings().rememberKeys === false;
      list.append(h('li', { class: 'empty' },
        h('p', {}, 'No keys yet.'),
        off ? h('p', { class: 'muted' }, 'Remembering generated keys is turned off in Settings.') : null));
      return;
    }
    const newestFirst = [...entries].sort((a, b) => String(b.generatedAt).localeCompare(String(a.generatedAt)));
    for (const entry of newestFirst) list.append(historyRow(entry));
  }

  function historyRow(entry) {
    const rowErrors = h('div');
    const onError = (e) => rowErrors.replaceChildren(errorBlock(e, { compact: true }));
    const copy = (field) => () => { rowErrors.replaceChildren(); copyField(entry.keyId, field, onError); };
    const label = merchantLabel(profileByName(entry.profile), entry.cybersourceMerchantId);
    const download = h('button', { type: 'button', testid: 'history-download' }, icon('download'), 'Download…');
    download.addEventListener('click', () => busy(download, null, async () => {
      rowErrors.replaceChildren();
      if (await downloadKeys([entry.keyId], format.value, onError)) load();
    }));
    const forget = h('button', { type: 'button', class: 'quiet-danger', testid: 'history-forget' }, icon('trash'), 'Forget…');
    forget.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Forget this key?',
        message: `The key for ${label || entry.cybersourceMerchantId} is removed from this computer, secret included. `
          + 'It keeps working on devices that already have it. Download it first if you may need it again.',
        okText: 'Forget key',
        danger: true,
      });
      if (!ok) return;
      try {
        await api.historyForget(entry.keyId);
        say('Key forgotten.');
        await load();
        const next = list.querySelector('button');
        if (next) next.focus();
      } catch (e) {
        onError(e);
      }
    });

    const saved = entry.exportedAt || entry.exported
      ? h('span', { class: 'ok-text', testid: 'history-exported' }, icon('check'), 'Downloaded')
      : h('span', { class: 'warn-text', testid: 'history-exported' }, icon('warning'), 'Not downloaded yet');
    const kept = entry.stored !== false;

    return h('li', { class: 'card history-row', testid: 'history-row', dataset: { keyId: entry.keyId } },
      h('div', { class: 'history-head' },
        h('h2', { class: 'history-title' },
          label ? h('span', {}, label) : null,
          h('span', { class: label ? 'mono muted' : 'mono' }, entry.cybersourceMerchantId)),
        saved,
        statusBadge(entry.status, 'history-status')),
      h('p', { class: 'history-id' },
        h('span', { class: 'muted' }, 'mposUi merchant id'),
        h('span', { class: 'value mono', tabindex: '0', testid: 'history-merchant-id', dataset: { copyField: 'merchantId', keyId: entry.keyId } }, entry.merchantId),
        copyButton('Copy mposUi merchant id', 'history-copy-merchant-id', copy('merchantId'))),
      h('p', { class: 'history-meta' },
        h('span', { testid: 'history-generated' }, `Generated ${formatDateTime(entry.generatedAt)}`),
        h('span', { testid: 'history-expires' }, `Expires ${formatExpiry(entry.expirationDate)}`),
        h('span', {}, [entry.providerMode, entry.profile].filter(Boolean).join(' · '))),
      rowErrors,
      h('div', { class: 'history-actions' },
        kept ? h('button', { type: 'button', testid: 'history-copy-secret', onclick: copy('secret') }, icon('copy'), 'Copy secret') : null,
        kept ? h('button', { type: 'button', testid: 'history-copy-snippet', onclick: copy('snippet') }, icon('copy'), 'Copy for mposUi') : null,
        kept ? download : h('span', { class: 'muted' }, 'The secret is no longer on this computer.'),
        h('span', { class: 'spacer' }),
        forget));
  }

  all.input.addEventListener('change', () => { allProfiles = all.input.checked; load(); });
  load();
  return { focus: () => view.querySelector('h1').focus() };
}
