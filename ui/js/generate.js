// The main screen: pick a merchant, generate its key, see the result. "Several merchants…" swaps the
// picker for the batch table.
import * as api from './api.js';
import { h, busy, checkbox } from './dom.js';
import { credentialWarnings, errorSlot, warningBlock } from './errors.js';
import { icon } from './icons.js';
import { merchantCombobox } from './combobox.js';
import { resultCard } from './result-card.js';
import { batchPane } from './batch.js';
import { codesPane } from './activation.js';
import { providerBadge } from './keys.js';
import { say } from './status.js';
import { session, activeProfile, merchantLabel } from './state.js';

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
  const modes = modeSwitch(() => showMode());

  const single = singlePane(profile);
  let batch = null;
  let codes = null;
  const pane = h('div', { class: 'pane' });
  view.append(modes.el, pickerField, toggle.el, pane);

  function showMode() {
    const codesMode = session.mode === 'codes';
    pickerField.hidden = session.batchMode;
    if (codes) codes.unmount();
    codes = null;
    if (codesMode) {
      codes = codesPane(profile, { batchMode: session.batchMode, pickSingle: () => session.selectedMid });
      pane.replaceChildren(codes.el);
    } else if (session.batchMode) {
      batch = batch || batchPane(profile);
      pane.replaceChildren(batch.el);
    } else {
      pane.replaceChildren(single.el);
    }
  }
  toggle.input.addEventListener('change', () => {
    session.batchMode = toggle.input.checked;
    showMode();
  });
  showMode();

  const current = () => codes || (session.batchMode ? batch : single);
  return {
    generate: () => current().generate(),
    download: () => current().download(),
    focus: () => (session.batchMode ? toggle.input : combo.input).focus(),
    unmount: () => { if (batch) batch.unmount(); if (codes) codes.unmount(); },
  };
}

function singlePane(profile) {
  const button = h('button', { type: 'button', class: 'primary', testid: 'generate-button' }, 'Generate key');
  const errors = errorSlot();
  const resultSlot = h('div', { class: 'result-slot' });
  let card = null;

  function showResult() {
    const last = session.lastResult;
    card = last && last.key ? resultCard(last.key) : null;
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
          showResult();
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
  showResult();
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
