// The merchants of one profile: add by hand, rename, remove, or import a CSV file (mid,label).
import * as api from './api.js';
import { h, busy, checkbox } from './dom.js';
import { errorSlot, errorBlock } from './errors.js';
import { icon } from './icons.js';
import { say } from './status.js';
import { replaceProfile } from './state.js';

const MID = /^[A-Za-z0-9_]{1,30}$/;

export function merchantsSection(initial) {
  let profile = initial;
  const errors = errorSlot();
  const tbody = h('tbody');
  const table = h('table', { class: 'merchant-table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'MID'),
      h('th', { scope: 'col' }, 'Label'),
      h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    tbody);
  const empty = h('p', { class: 'muted' }, 'No merchants yet. Add one below or import a CSV file.');

  function update(view) {
    profile = view;
    replaceProfile(view);
  }

  function renderList() {
    const merchants = profile.merchants || [];
    tbody.replaceChildren(...merchants.map(row));
    table.hidden = !merchants.length;
    empty.hidden = merchants.length > 0;
  }

  function row(m) {
    const rowErrors = h('div');
    const label = h('input', {
      type: 'text', value: m.label || '', 'aria-label': `Label for ${m.mid}`, placeholder: 'No label',
      testid: 'merchant-label',
    });
    // change fires once the user leaves the field or presses Enter: one save per edit, not per keystroke.
    label.addEventListener('change', async () => {
      rowErrors.replaceChildren();
      try {
        update(await api.merchantUpdate(profile.name, m.mid, label.value.trim()));
        say(`Label of ${m.mid} saved.`);
      } catch (e) {
        rowErrors.replaceChildren(errorBlock(e, { compact: true }));
      }
    });
    label.addEventListener('keydown', (e) => { if (e.key === 'Enter') label.blur(); });
    const remove = h('button', {
      type: 'button', class: 'icon-button', 'aria-label': `Remove ${m.label || m.mid}`, title: 'Remove',
      testid: 'merchant-remove',
    }, icon('trash'));
    remove.addEventListener('click', async () => {
      rowErrors.replaceChildren();
      try {
        const index = (profile.merchants || []).findIndex((x) => x.mid === m.mid);
        update(await api.merchantRemove(profile.name, m.mid));
        renderList();
        say(`Removed ${m.mid}.`);
        const buttons = tbody.querySelectorAll('[data-testid="merchant-remove"]');
        (buttons[Math.min(index, buttons.length - 1)] || mid).focus();
      } catch (e) {
        rowErrors.replaceChildren(errorBlock(e, { compact: true }));
      }
    });
    return h('tr', { testid: 'merchant-row', dataset: { mid: m.mid } },
      h('td', { class: 'mono' }, m.mid),
      h('td', {}, label, rowErrors),
      h('td', { class: 'col-actions' }, remove));
  }

  // Adding
  const mid = h('input', { type: 'text', class: 'mono', maxlength: '30', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'MID', placeholder: 'MID', testid: 'merchant-add-mid' });
  const newLabel = h('input', { type: 'text', autocomplete: 'off', 'aria-label': 'Label', placeholder: 'Label (optional)', testid: 'merchant-add-label' });
  const add = h('button', { type: 'submit', testid: 'merchant-add-button' }, icon('plus'), 'Add');
  const addForm = h('form', { class: 'add-merchant', 'aria-label': 'Add a merchant', novalidate: true }, mid, newLabel, add);
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    errors.clear();
    const value = mid.value.trim();
    if (!MID.test(value)) {
      errors.show({ message: 'A MID is 1 to 30 letters, digits or underscores, as in the Business Center.' });
      mid.focus();
      return;
    }
    busy(add, null, async () => {
      try {
        update(await api.merchantAdd(profile.name, value, newLabel.value.trim()));
        renderList();
        mid.value = '';
        newLabel.value = '';
        say(`Added ${value}.`);
        mid.focus();
      } catch (err) {
        errors.show(err);
      }
    });
  });

  // Importing
  const importButton = h('button', { type: 'button', testid: 'import-csv' }, icon('upload'), 'Import CSV…');
  const onlyGood = checkbox('Import only the good lines', false, { testid: 'import-only-good' });
  const importResult = h('div', { class: 'import-result', testid: 'import-result', 'aria-live': 'polite' });

  async function runImport(good) {
    errors.clear();
    importResult.replaceChildren();
    try {
      const res = await api.merchantImportCsv(profile.name, good);
      if (!res || res.cancelled) return;
      update(await refreshed());
      renderList();
      showImport(res, good);
    } catch (e) {
      errors.show(e);
    }
  }

  // merchant_import_csv answers with counts only; app_state holds the profile's new merchant list.
  async function refreshed() {
    const state = await api.appState();
    return (state.profiles || []).find((p) => p.name === profile.name) || profile;
  }

  function showImport(res, good) {
    const problems = res.errors || [];
    const added = Number(res.added) || 0;
    const skipped = Number(res.skipped) || 0;
    let summary;
    if (problems.length && !added && !good) {
      summary = `Nothing imported: ${problems.length} ${problems.length === 1 ? 'line has a problem' : 'lines have problems'}. Fix the file, or import only the good lines.`;
    } else {
      summary = `Added ${added} ${added === 1 ? 'merchant' : 'merchants'}`
        + (skipped ? `, skipped ${skipped} already in the list` : '')
        + (problems.length ? `, left out ${problems.length} ${problems.length === 1 ? 'line' : 'lines'} with problems.` : '.');
    }
    importResult.append(h('p', {}, summary));
    if (problems.length) {
      importResult.append(h('ul', { class: 'import-errors', testid: 'import-errors' },
        problems.map((p) => h('li', { testid: 'import-error', dataset: { line: p.line } },
          h('span', { class: 'mono' }, `Line ${p.line}`), ': ', p.message))));
      if (!added && !good) {
        importResult.append(h('button', { type: 'button', testid: 'import-good-lines', onclick: () => runImport(true) },
          'Import only the good lines…'));
      }
    }
  }

  importButton.addEventListener('click', () => busy(importButton, null, () => runImport(onlyGood.input.checked)));
  renderList();

  return {
    el: h('div', { class: 'merchants' },
      empty,
      h('div', { class: 'table-wrap' }, table),
      addForm,
      errors.el,
      h('div', { class: 'action-row' }, importButton, onlyGood.el),
      h('p', { class: 'hint' }, 'A CSV file with one merchant per line: mid,label. A header line is optional.'),
      importResult),
    focusAdd: () => mid.focus(),
  };
}
