// Device activation codes on the main screen: the same merchant picker (or the "Several merchants…" list),
// a count from 1 to 15, Generate, then each merchant's codes with a copy button per code and per merchant,
// a live "valid for 23 h 59 min" countdown and Download… (.txt like the Business Center's, CSV, JSON).
//
// Codes are shown because a device is activated by typing one; copying still happens in Rust (so the
// clipboard is cleared after the usual delay). The window keeps codes only in memory and drops them when
// they expire; the backend does the same.
import * as api from './api.js';
import { h, busy, select, uid } from './dom.js';
import { credentialWarnings, errorSlot, errorBlock } from './errors.js';
import { icon } from './icons.js';
import { copyButton, providerBadge } from './keys.js';
import { copied, say } from './status.js';
import { session } from './state.js';

export const MAX_CODES = 15;
export const CODE_FORMATS = [['text', 'Text (.txt)'], ['csv', 'CSV'], ['json', 'JSON']];

// "23 h 59 min", "59 min", "less than a minute"; whole minutes, rounded down, as a countdown reads.
export function validFor(ms) {
  if (!(ms > 0)) return '';
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return 'less than a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours ? `${hours} h ${rest} min` : `${rest} min`;
}

// The count field's value as a whole number from 1 to 15, or an error sentence.
export function parseCount(text) {
  const t = String(text).trim();
  if (!/^\d+$/.test(t)) return { error: `Enter how many codes to make, from 1 to ${MAX_CODES}.` };
  const n = Number(t);
  if (n < 1 || n > MAX_CODES) return { error: `Make from 1 to ${MAX_CODES} codes per merchant at a time.` };
  return { count: n };
}

// What the window still holds; one result at a time, kept while the user visits settings or history.
function codesState(profile) {
  if (!session.codes || session.codes.profile !== profile.name) {
    if (session.codes && session.codes.result) forget(session.codes.result);
    session.codes = { profile: profile.name, count: 1, selected: new Set(), result: null };
  }
  return session.codes;
}

function forget(result) {
  if (result && result.batchId) api.activationCodesClear(result.batchId).catch(() => {});
}

// `pickSingle()` gives the MID chosen in the main screen's picker; `batchMode` swaps it for a checklist.
export function codesPane(profile, { batchMode, pickSingle }) {
  const state = codesState(profile);
  const merchants = profile.merchants || [];
  const errors = errorSlot();
  const countInput = h('input', {
    type: 'number', min: '1', max: String(MAX_CODES), value: String(state.count), inputmode: 'numeric',
    class: 'count-input', id: uid('count'), testid: 'codes-count',
  });
  const countHint = h('span', { class: 'hint', id: uid('hint') }, `1 to ${MAX_CODES} per merchant`);
  countInput.setAttribute('aria-describedby', countHint.id);
  countInput.addEventListener('change', () => {
    const parsed = parseCount(countInput.value);
    if (parsed.count) state.count = parsed.count;
  });
  const countField = h('div', { class: 'field inline' },
    h('label', { htmlFor: countInput.id }, 'Codes per merchant'), countInput, countHint);

  const button = h('button', { type: 'button', class: 'primary', testid: 'generate-codes-button' }, 'Generate codes');
  const progress = h('progress', { class: 'progress', max: '1', value: '0', hidden: true, 'aria-label': 'Progress', testid: 'codes-progress' });
  const resultSlot = h('div', { class: 'result-slot', testid: 'codes-result-slot' });

  let list = null;
  if (batchMode) list = checklist(merchants, state, () => updateButton());

  function chosenMids() {
    if (!batchMode) {
      const mid = pickSingle();
      return mid ? [mid] : [];
    }
    return merchants.map((m) => m.mid).filter((mid) => state.selected.has(mid));
  }

  function updateButton() {
    if (!batchMode) return;
    const n = state.selected.size;
    button.textContent = `Generate codes for ${n} ${n === 1 ? 'merchant' : 'merchants'}`;
    button.disabled = n === 0;
  }

  let timer = 0;
  function showResult() {
    clearInterval(timer);
    resultSlot.replaceChildren();
    const result = state.result;
    if (!result) return;
    const view = resultView(result, profile, {
      onExpired: () => {
        forget(result);
        state.result = null;
        showResult();
        say('The activation codes expired and were cleared.');
      },
    });
    resultSlot.append(...credentialWarnings(result.warnings), view.el);
    view.tick();
    timer = setInterval(view.tick, 15000);
    state.download = view.download;
  }

  async function generate() {
    errors.clear();
    const parsed = parseCount(countInput.value);
    if (parsed.error) {
      errors.show({ message: parsed.error });
      countInput.focus();
      return;
    }
    state.count = parsed.count;
    const mids = chosenMids();
    if (!mids.length) {
      errors.show({ message: batchMode ? 'Choose at least one merchant.' : 'Choose a merchant first.' });
      return;
    }
    let unlisten = null;
    await busy(button, 'Generating…', async () => {
      progress.max = mids.length;
      progress.value = 0;
      progress.hidden = mids.length < 2;
      try {
        unlisten = await api.listen(api.EVENTS.progress, (p) => {
          if (p && p.total) { progress.max = p.total; progress.value = p.done; }
        });
      } catch (e) {
        unlisten = null;
      }
      try {
        const res = await api.activationCodesGenerate(profile.name, mids, parsed.count);
        if (state.result) forget(state.result);
        state.result = { ...res, profile: profile.name, receivedAt: Date.now() };
        showResult();
        // Keyboard and screen-reader users land on the result instead of staying on the button above it.
        const title = resultSlot.querySelector('.codes-card h2');
        if (title) title.focus();
        const got = (res.merchants || []).filter((m) => (m.codes || []).length).length;
        const failed = (res.merchants || []).length - got;
        say(failed
          ? `Codes made for ${got} of ${got + failed} merchants; ${failed} failed.`
          : `Activation codes made for ${got} ${got === 1 ? 'merchant' : 'merchants'}.`);
      } catch (e) {
        errors.show(e);
      } finally {
        if (unlisten) unlisten();
        progress.hidden = true;
      }
    });
  }

  button.addEventListener('click', generate);
  updateButton();
  showResult();

  const el = h('div', { class: 'codes-pane', testid: 'codes-pane' },
    list ? list.el : null,
    countField,
    h('div', { class: 'action-row' }, button, providerBadge(profile)),
    progress,
    errors.el,
    resultSlot);
  return {
    el,
    generate: () => button.click(),
    download: () => state.download && state.download(),
    unmount: () => clearInterval(timer),
  };
}

function checklist(merchants, state, onChange) {
  const all = h('input', { type: 'checkbox', testid: 'codes-select-all' });
  const boxes = merchants.map((m) => {
    const box = h('input', { type: 'checkbox', checked: state.selected.has(m.mid), testid: 'codes-merchant-select', dataset: { mid: m.mid } });
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(m.mid); else state.selected.delete(m.mid);
      sync();
    });
    return h('li', {}, h('label', { class: 'check' }, box,
      h('span', {}, m.label || m.mid), m.label ? h('span', { class: 'muted mono' }, ` ${m.mid}`) : null));
  });
  function sync() {
    const n = state.selected.size;
    all.checked = n > 0 && n === merchants.length;
    all.indeterminate = n > 0 && n < merchants.length;
    onChange();
  }
  all.addEventListener('change', () => {
    state.selected = new Set(all.checked ? merchants.map((m) => m.mid) : []);
    for (const li of boxes) li.querySelector('input').checked = all.checked;
    sync();
  });
  sync();
  const legend = h('legend', {}, 'Merchants');
  return {
    el: h('fieldset', { class: 'codes-merchants' }, legend,
      h('label', { class: 'check' }, all, h('span', {}, 'All merchants')),
      h('ul', { class: 'plain-list' }, boxes)),
  };
}

// The result: per merchant a group of codes, or its error; Download… for the whole batch.
function resultView(result, profile, { onExpired }) {
  const format = select(CODE_FORMATS, 'text', { 'aria-label': 'File format', testid: 'codes-download-format' });
  const errors = errorSlot();
  const downloadButton = h('button', { type: 'button', testid: 'codes-download' }, icon('download'), 'Download…');
  const countdowns = [];
  const groups = (result.merchants || []).map((m) => merchantGroup(m, result, countdowns, errors));
  const withCodes = (result.merchants || []).filter((m) => (m.codes || []).length);
  downloadButton.disabled = !result.batchId || !withCodes.length;

  async function download() {
    if (downloadButton.disabled) return;
    errors.clear();
    await busy(downloadButton, null, async () => {
      try {
        const res = await api.activationCodesExport(result.batchId, format.value);
        if (res && !res.cancelled) say(res.path ? `Saved to ${res.path}.` : 'Saved.', { keepMs: 15000 });
      } catch (e) {
        errors.show(e);
      }
    });
  }
  downloadButton.addEventListener('click', download);

  // The earliest expiry ends the whole result: a half-valid list would invite typing a dead code.
  const ends = withCodes.map((m) => Number(m.expiresAtMs)).filter((t) => t > 0);
  const endsAt = ends.length ? Math.min(...ends) : 0;
  function tick() {
    if (!endsAt) return;
    const left = endsAt - Date.now();
    if (left <= 0) { onExpired(); return; }
    const text = `valid for ${validFor(left)}`;
    for (const c of countdowns) c.textContent = text;
  }

  const heading = h('h2', { class: 'card-title', tabindex: '-1' }, `Activation codes${result.providerMode ? ` (${result.providerMode})` : ''}`);
  const el = h('section', { class: 'card codes-card', testid: 'codes-result', 'aria-label': 'Activation codes' },
    heading,
    h('p', { class: 'muted' }, 'Each code activates one device once. Type it into the Acceptance Devices app or the Tap to Pay on iPhone app. Codes are not kept: copy or download them now.'),
    groups,
    errors.el,
    h('div', { class: 'action-row' }, h('span', { class: 'spacer' }), h('span', { class: 'join' }, format, downloadButton)));
  return { el, tick, download };
}

function merchantGroup(m, result, countdowns, errors) {
  const name = m.label || m.cybersourceMerchantId;
  const titleId = uid('codes-title');
  const header = h('div', { class: 'codes-merchant-head' },
    h('h3', { id: titleId }, name, m.label ? h('span', { class: 'muted mono' }, ` ${m.cybersourceMerchantId}`) : null));
  const group = h('section', { class: 'codes-merchant', testid: 'codes-merchant', dataset: { mid: m.cybersourceMerchantId }, 'aria-labelledby': titleId }, header);
  if (!(m.codes || []).length) {
    group.append(errorBlock(m.failure || { message: 'Cybersource sent no codes for this merchant. Try again.' }, { compact: true }));
    return group;
  }
  const onError = (e) => errors.show(e);
  const countdown = h('span', { class: 'badge ok countdown', testid: 'codes-countdown', role: 'timer', 'aria-live': 'off' });
  countdowns.push(countdown);
  header.append(countdown,
    h('button', {
      type: 'button', testid: 'codes-copy-merchant',
      onclick: () => copyCodes(result.batchId, m.cybersourceMerchantId, null, onError),
    }, icon('copy'), `Copy all ${m.codes.length}`));
  const items = m.codes.map((code, i) => h('li', { class: 'code-row', testid: 'codes-item' },
    h('span', {
      class: 'value mono code', tabindex: '0', testid: 'codes-value',
      'aria-label': `Code ${i + 1} of ${m.codes.length} for ${name}: ${spell(code)}`,
      dataset: { codeBatch: result.batchId || '', codeMid: m.cybersourceMerchantId, codeIndex: String(i) },
    }, code),
    copyButton(`Copy code ${i + 1} for ${name}`, 'codes-copy', () => copyCodes(result.batchId, m.cybersourceMerchantId, i, onError))));
  group.append(h('ol', { class: 'codes-list' }, items));
  return group;
}

// Screen readers read "%N5wU2jH" as a word; spelled out, each character can be typed as heard.
export function spell(code) {
  return [...String(code)].join(' ');
}

export async function copyCodes(batchId, mid, index, onError) {
  try {
    copied(await api.activationCodesCopy(batchId, mid, index));
  } catch (e) {
    onError(e);
  }
}
