// Keys generated earlier: never a secret on screen, but copy and download stay possible, and a key can
// be forgotten once it is safely on its devices.
import * as api from './api.js';
import { h, busy, checkbox, select } from './dom.js';
import { confirmDialog } from './dialog.js';
import { errorSlot, errorBlock } from './errors.js';
import { icon } from './icons.js';
import { formatDateTime, formatExpiry } from './format.js';
import { SINGLE_FORMATS, copyButton, copyField, downloadKeys } from './keys.js';
import { say } from './status.js';
import { activeProfile, profileByName, merchantLabel, settings } from './state.js';
import { viewHeader } from './view-header.js';
import { deleteKeys, deleteResults, replaceKeys, statusBadgeFor } from './key-actions.js';
import { codesHistory } from './codes-history.js';

let allProfiles = false;

export function mount(root, ctx) {
  const profile = activeProfile();
  const errors = errorSlot();
  const list = h('ul', { class: 'history-list', 'aria-label': 'Generated keys' });
  const all = checkbox('All profiles', allProfiles || !profile, { testid: 'history-all-profiles', disabled: !profile });
  const format = select(SINGLE_FORMATS, 'json', { testid: 'history-format' });
  const formatField = h('label', { class: 'inline-field' }, 'Download as', format);
  const check = h('button', { type: 'button', testid: 'history-check-status' }, icon('retry'), 'Check status');
  const progress = h('span', { class: 'muted', testid: 'history-check-progress', 'aria-live': 'polite' });
  const deleteSelected = h('button', { type: 'button', class: 'quiet-danger', testid: 'history-delete-selected', disabled: true }, icon('trash'), 'Delete selected…');
  const replaceSelected = h('button', { type: 'button', testid: 'history-replace-selected', disabled: true }, 'Replace selected…');
  const results = h('div', { testid: 'history-results' });
  const codes = codesHistory();
  let shown = [];
  const selected = new Set();

  const view = h('section', { class: 'view history-view', 'aria-labelledby': 'history-title' },
    viewHeader('History', 'history-title', ctx),
    h('div', { class: 'toolbar' }, all.el, h('span', { class: 'spacer' }), formatField),
    h('div', { class: 'toolbar' }, check, progress, h('span', { class: 'spacer' }), replaceSelected, deleteSelected),
    errors.el,
    results,
    list,
    codes.el);
  root.append(view);

  const live = () => shown.filter((e) => !e.deletedAt);
  function updateSelection() {
    for (const id of [...selected]) if (!live().some((e) => e.keyId === id)) selected.delete(id);
    deleteSelected.disabled = replaceSelected.disabled = selected.size === 0;
    check.disabled = live().length === 0;
  }

  // What is shown, in one go; progress as Cybersource answers.
  check.addEventListener('click', () => busy(check, 'Checking…', async () => {
    errors.clear();
    const ids = live().map((e) => e.keyId);
    let stop = null;
    try {
      stop = await api.listen(api.EVENTS.statusProgress, (p) => { progress.textContent = `${p.done} of ${p.total} checked`; });
    } catch (_) { /* progress is a nicety */ }
    try {
      const statuses = await api.keysStatus(ids);
      const failed = statuses.filter((s) => s.error);
      const notes = statuses.filter((s) => s.note);
      progress.textContent = failed.length ? `${ids.length - failed.length} of ${ids.length} checked` : `${ids.length} checked`;
      results.replaceChildren(...[...failed.map((s) => errorBlock(s.error)), ...notes.map((s) => h('p', { class: 'warn-text', testid: 'history-status-note' }, icon('warning'), s.note))]);
      say(failed.length ? `Status checked; ${failed.length} could not be read.` : 'Status checked.');
      await load();
    } catch (e) {
      errors.show(e);
    } finally {
      if (stop) stop();
    }
  }));

  async function act(entries, action, button) {
    errors.clear();
    await busy(button, null, async () => {
      try {
        const outcome = await action(entries);
        if (!outcome) return;
        const byId = new Map(shown.map((e) => [e.keyId, e]));
        const deleted = Array.isArray(outcome) ? outcome : outcome.deleted;
        const parts = [];
        if (!Array.isArray(outcome)) {
          const made = outcome.generated.flatMap((g) => g.keys);
          const refused = outcome.generated.flatMap((g) => g.failures);
          parts.push(h('p', { class: 'ok-text', testid: 'history-replaced' }, icon('check'),
            `${made.length} new ${made.length === 1 ? 'key' : 'keys'} generated and kept.`));
          for (const f of refused) {
            parts.push(h('p', { class: 'warn-text' }, icon('warning'), `No new key for ${f.cybersourceMerchantId}: ${f.message} Its earlier keys were kept.`));
          }
        }
        if (deleted.length) parts.push(deleteResults(deleted, byId));
        results.replaceChildren(...parts);
        selected.clear();
        say(Array.isArray(outcome) ? 'Delete finished.' : 'Replace finished.');
        await load();
      } catch (e) {
        errors.show(e);
      }
    });
  }
  const chosen = () => live().filter((e) => selected.has(e.keyId));
  deleteSelected.addEventListener('click', () => act(chosen(), deleteKeys, deleteSelected));
  replaceSelected.addEventListener('click', () => act(chosen(), replaceKeys, replaceSelected));

  const shownProfile = () => (all.input.checked ? null : profile.name);

  async function load() {
    errors.clear();
    list.setAttribute('aria-busy', 'true');
    try {
      const entries = await api.historyList(shownProfile());
      render(entries || []);
    } catch (e) {
      list.replaceChildren();
      errors.show(e);
    } finally {
      list.removeAttribute('aria-busy');
    }
  }

  function render(entries) {
    shown = entries;
    updateSelection();
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
    const kept = entry.stored !== false && !entry.deletedAt;
    const gone = Boolean(entry.deletedAt);
    const pick = checkbox('Select', selected.has(entry.keyId), { testid: 'history-select', disabled: gone });
    pick.input.setAttribute('aria-label', `Select the key of ${label || entry.cybersourceMerchantId}`);
    pick.input.addEventListener('change', () => {
      if (pick.input.checked) selected.add(entry.keyId); else selected.delete(entry.keyId);
      updateSelection();
    });
    const del = h('button', { type: 'button', class: 'quiet-danger', testid: 'history-delete-key' }, icon('trash'), 'Delete key…');
    del.addEventListener('click', () => act([entry], deleteKeys, del));
    const rep = h('button', { type: 'button', testid: 'history-replace-key' }, 'Replace key…');
    rep.addEventListener('click', () => act([entry], replaceKeys, rep));

    return h('li', { class: 'card history-row', testid: 'history-row', dataset: { keyId: entry.keyId } },
      h('div', { class: 'history-head' },
        h('h2', { class: 'history-title' },
          label ? h('span', {}, label) : null,
          h('span', { class: label ? 'mono muted' : 'mono' }, entry.cybersourceMerchantId)),
        gone ? null : saved,
        statusBadgeFor(entry)),
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
        kept ? download : h('span', { class: 'muted' }, gone
          ? `Deleted at Cybersource${entry.deletedBy ? ` with ${entry.deletedBy}` : ''}; its secret no longer works.`
          : 'The secret is no longer on this computer.'),
        h('span', { class: 'spacer' }),
        gone ? null : pick.el,
        gone ? null : rep,
        gone ? null : del,
        forget));
  }

  // Key actions reload the keys only: they never change the codes made.
  all.input.addEventListener('change', () => { allProfiles = all.input.checked; load(); codes.load(shownProfile()); });
  load();
  codes.load(shownProfile());
  return { focus: () => view.querySelector('h1').focus() };
}
