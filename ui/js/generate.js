// The main screen: pick a merchant, generate its key, see the result. "Several merchants…" swaps the
// picker for the batch table.
import * as api from './api.js';
import { h, busy, checkbox } from './dom.js';
import { credentialWarnings, errorSlot, warningBlock } from './errors.js';
import { icon } from './icons.js';
import { merchantCombobox } from './combobox.js';
import { providerBadge } from './keys.js';
import { say } from './status.js';
import { session, activeProfile, merchantLabel } from './state.js';

// Not on the first screen, so imported on first use (app.js fetches them once that screen is painted).
const later = {
  resultCard: () => import('./result-card.js'),
  batch: () => import('./batch.js'),
  codes: () => import('./activation.js'),
};

/** Fetches the parts this view imports on first use, so that first use does not wait for them. */
export function loadParts() {
  return Promise.all(Object.values(later).map((load) => load()));
}

export function mount(root, ctx) {
  const profile = activeProfile();
  const merchants = profile.merchants || [];
  const view = h('section', { class: 'view main-view', 'aria-labelledby': 'main-title' },
    h('h1', { id: 'main-title', class: 'visually-hidden', tabindex: '-1' }, 'Generate a key'));
  root.append(view);

  if (!merchants.length) {
    view.append(h('div', { class: 'empty' },
      h('p', {}, `The profile “${profile.name}” has no merchants yet.`),
      h('p', { class: 'muted' }, 'Add the MIDs you set up devices for, by hand or from a CSV file.'),
      h('button', { type: 'button', class: 'primary', testid: 'empty-add-merchants', onclick: () => ctx.go('settings', { section: 'merchants' }) },
        icon('plus'), 'Add merchants…')));
    return { focus: () => view.querySelector('button').focus() };
  }

  if (!merchants.some((m) => m.mid === session.selectedMid)) session.selectedMid = merchants[0].mid;
  if (session.lastResult && session.lastResult.profile !== profile.name) session.lastResult = null;

  const combo = merchantCombobox({
    merchants,
    selectedMid: session.selectedMid,
    onSelect: (mid) => { session.selectedMid = mid; },
  });
  const pickerField = h('div', { class: 'field' },
    h('label', { htmlFor: combo.input.id }, 'Merchant'), combo.el);
  const toggle = checkbox('Several merchants…', session.batchMode, { testid: 'batch-toggle' });
  const modes = modeSwitch(() => show());

  const single = singlePane(profile);
  let batch = null;
  let codes = null;
  const pane = h('div', { class: 'pane' });
  view.append(modes.el, pickerField, toggle.el, pane);

  // Each switch of mode or batch may wait for its pane's module; only the latest one is shown, and none
  // once the view is gone.
  let turn = 0;
  let gone = false;
  async function showMode() {
    const mine = ++turn;
    const codesMode = session.mode === 'codes';
    pickerField.hidden = session.batchMode;
    if (codes) codes.unmount();
    codes = null;
    if (codesMode) {
      const { codesPane } = await later.codes();
      if (mine !== turn || gone) return;
      codes = codesPane(profile, { batchMode: session.batchMode, pickSingle: () => session.selectedMid });
      pane.replaceChildren(codes.el);
    } else if (session.batchMode) {
      const { batchPane } = await later.batch();
      if (mine !== turn || gone) return;
      batch = batch || batchPane(profile);
      pane.replaceChildren(batch.el);
    } else {
      pane.replaceChildren(single.el);
    }
  }
  const show = () => showMode().catch((e) => ctx.showError(e));
  toggle.input.addEventListener('change', () => {
    session.batchMode = toggle.input.checked;
    show();
  });
  show();

  // null while the pane's module is still on its way.
  const current = () => (session.mode === 'codes' ? codes : session.batchMode ? batch : single);
  return {
    generate: () => { const pane = current(); if (pane) pane.generate(); },
    download: () => { const pane = current(); if (pane) pane.download(); },
    focus: () => (session.batchMode ? toggle.input : combo.input).focus(),
    unmount: () => { gone = true; if (batch) batch.unmount(); if (codes) codes.unmount(); },
  };
}

function singlePane(profile) {
  const button = h('button', { type: 'button', class: 'primary', testid: 'generate-button' }, 'Generate key');
  const errors = errorSlot();
  const resultSlot = h('div', { class: 'result-slot' });
  let card = null;

  async function showResult() {
    const last = session.lastResult;
    const { resultCard } = last && last.key ? await later.resultCard() : {};
    card = resultCard ? resultCard(last.key) : null;
    resultSlot.replaceChildren();
    if (last && last.warning) resultSlot.append(warningBlock(last.warning));
    if (last) resultSlot.append(...credentialWarnings(last.warnings));
    if (card) resultSlot.append(card.el);
  }

  async function generate() {
    const mid = session.selectedMid;
    errors.clear();
    if (!mid) {
      errors.show({ message: 'Choose a merchant first.' });
      return;
    }
    await busy(button, 'Generating…', async () => {
      try {
        const res = await api.generateKeys(profile.name, [mid]);
        const key = (res.keys || [])[0];
        if (key) {
          session.lastResult = { profile: profile.name, key, warning: res.storageWarning, warnings: res.warnings };
          await showResult();
          const label = merchantLabel(profile, mid);
          say(`Key generated for ${label || mid}.`);
        } else {
          errors.show((res.failures || [])[0] || { message: 'Cybersource returned no key. Try again.' });
        }
      } catch (e) {
        errors.show(e);
      }
    });
  }

  button.addEventListener('click', generate);
  showResult().catch((e) => errors.show(e));
  const el = h('div', { class: 'single' },
    h('div', { class: 'action-row' }, button, providerBadge(profile)),
    errors.el,
    resultSlot);
  return {
    el,
    generate: () => button.click(),
    download: () => card && card.download(),
  };
}

// "Secret key" (mposUi on Android) or "Activation codes" (Acceptance Devices app, Tap to Pay on iPhone):
// two radio buttons, so arrow keys move between them and screen readers announce the group.
function modeSwitch(onChange) {
  const name = 'main-mode';
  const option = (value, text, testid) => {
    const input = h('input', { type: 'radio', name, value, checked: (session.mode || 'key') === value, testid });
    input.addEventListener('change', () => {
      if (!input.checked) return;
      session.mode = value;
      onChange();
    });
    return h('label', { class: 'segment' }, input, h('span', {}, text));
  };
  return {
    el: h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'What to make' },
      option('key', 'Secret key', 'mode-key'),
      option('codes', 'Activation codes', 'mode-codes')),
  };
}
