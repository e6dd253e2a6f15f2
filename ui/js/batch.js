// Several merchants in one request: a table with a status per merchant, progress while it runs,
// Retry failed and Download all.
import * as api from './api.js';
import { h, busy, select } from './dom.js';
import { credentialWarnings, errorSlot, errorBlock, warningBlock } from './errors.js';
import { icon } from './icons.js';
import { BATCH_FORMATS, copyButton, copyField, downloadKeys, providerBadge } from './keys.js';
import { say } from './status.js';
import { session } from './state.js';

// Rows keep their outcome while the user visits settings or history; a new profile starts afresh.
function batchState(profile) {
  if (!session.batch || session.batch.profile !== profile.name) {
    session.batch = { profile: profile.name, selected: new Set(), rows: new Map() };
  }
  return session.batch;
}

const STATUS = {
  idle: ['pending', 'Not generated', 'muted'],
  running: ['pending', 'Generating…', 'muted'],
  done: ['check', 'Generated', 'ok-text'],
  failed: ['error', 'Failed', 'error-text'],
};

export function batchPane(profile) {
  const state = batchState(profile);
  const merchants = profile.merchants || [];
  const rowOf = (mid) => state.rows.get(mid) || { status: 'idle' };
  const errors = errorSlot();

  const generateButton = h('button', { type: 'button', class: 'primary', testid: 'generate-button' });
  const progress = h('progress', { class: 'progress', max: '1', value: '0', testid: 'batch-progress', 'aria-label': 'Progress' });
  const count = h('span', { class: 'batch-count', testid: 'batch-count' });
  const progressRow = h('div', { class: 'progress-row' }, progress, count);
  const retry = h('button', { type: 'button', testid: 'retry-failed' }, icon('retry'), 'Retry failed');
  const format = select(BATCH_FORMATS, 'csv', { 'aria-label': 'File format', testid: 'download-all-format' });
  const downloadAll = h('button', { type: 'button', testid: 'download-all' }, icon('download'), 'Download all…');

  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all merchants', testid: 'batch-select-all' });
  const tbody = h('tbody');
  const rowEls = new Map();
  for (const m of merchants) {
    const parts = buildRow(m);
    rowEls.set(m.mid, parts);
    tbody.append(parts.tr, parts.errorTr);
  }
  const table = h('table', { class: 'batch-table' },
    h('thead', {}, h('tr', {},
      h('th', { class: 'col-check' }, selectAll),
      h('th', { scope: 'col' }, 'Merchant'),
      h('th', { scope: 'col' }, 'MID'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'mposUi merchant id'),
      h('th', { scope: 'col', class: 'col-secret' }, 'Secret key'))),
    tbody);

  function buildRow(m) {
    const box = h('input', {
      type: 'checkbox', checked: state.selected.has(m.mid), testid: 'batch-row-select',
      'aria-label': `Include ${m.label || m.mid}`,
    });
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(m.mid); else state.selected.delete(m.mid);
      updateControls();
    });
    const parts = {
      box,
      status: h('td', { testid: 'batch-row-status' }),
      merchantId: h('td', { class: 'cell-id' }),
      secret: h('td', { class: 'cell-id' }),
      errorCell: h('td', { colspan: '6' }),
    };
    parts.tr = h('tr', { testid: 'batch-row', dataset: { mid: m.mid } },
      h('td', { class: 'col-check' }, box),
      h('td', { class: 'cell-label' }, m.label || m.mid),
      h('td', { class: 'mono' }, m.mid),
      parts.status, parts.merchantId, parts.secret);
    parts.errorTr = h('tr', { class: 'batch-error-row', hidden: true }, parts.errorCell);
    return parts;
  }

  function updateRow(mid) {
    const parts = rowEls.get(mid);
    if (!parts) return;
    const row = rowOf(mid);
    const [iconName, word, cls] = STATUS[row.status];
    parts.status.replaceChildren(h('span', { class: `status ${cls}` }, icon(iconName), word));
    parts.merchantId.replaceChildren();
    parts.secret.replaceChildren();
    if (row.key) {
      // Copy buttons sit beside the value they copy; the secret itself never reaches this table.
      const { keyId, merchantId } = row.key;
      const onError = (e) => showRowError(mid, e);
      const name = nameOf(mid);
      parts.merchantId.append(h('span', { class: 'cell-value' },
        h('span', { class: 'value mono', tabindex: '0', title: merchantId, testid: 'batch-row-merchant-id', dataset: { copyField: 'merchantId', keyId } }, merchantId),
        copyButton(`Copy mposUi merchant id of ${name}`, 'batch-copy-merchant-id', () => copyField(keyId, 'merchantId', onError))));
      parts.secret.append(h('span', { class: 'cell-value' },
        h('span', { class: 'value mono secret', tabindex: '0', 'aria-label': `Secret key of ${name}, hidden`, testid: 'batch-row-secret', dataset: { copyField: 'secret', keyId } }, '••••'),
        copyButton(`Copy secret key of ${name}`, 'batch-copy-secret', () => copyField(keyId, 'secret', onError))));
    }
    if (row.status === 'failed' && row.failure) showRowError(mid, row.failure);
    else parts.errorTr.hidden = true;
  }

  function nameOf(mid) {
    const found = merchants.find((x) => x.mid === mid);
    return (found && found.label) || mid;
  }

  function showRowError(mid, err) {
    const parts = rowEls.get(mid);
    parts.errorCell.replaceChildren(errorBlock(err, { compact: true }));
    parts.errorTr.hidden = false;
  }

  function tally() {
    let done = 0; let failed = 0;
    for (const row of state.rows.values()) {
      if (row.status === 'done') done += 1;
      if (row.status === 'failed') failed += 1;
    }
    return { done, failed, tried: done + failed };
  }

  function updateControls() {
    const n = state.selected.size;
    selectAll.checked = n > 0 && n === merchants.length;
    selectAll.indeterminate = n > 0 && n < merchants.length;
    generateButton.textContent = state.running ? 'Generating…' : `Generate ${n} ${n === 1 ? 'key' : 'keys'}`;
    generateButton.disabled = !state.running && n === 0;
    for (const attr of ['aria-busy', 'aria-disabled']) {
      if (state.running) generateButton.setAttribute(attr, 'true'); else generateButton.removeAttribute(attr);
    }
    const { done, failed, tried } = tally();
    retry.disabled = state.running || failed === 0;
    downloadAll.disabled = state.running || done === 0;
    progress.hidden = !state.running && !tried;
    if (!state.running) {
      count.textContent = tried ? `${done} of ${tried} generated${failed ? `, ${failed} failed` : ''}` : 'Choose merchants, then generate.';
      progress.max = Math.max(tried, 1);
      progress.value = tried;
    }
  }

  selectAll.addEventListener('change', () => {
    state.selected = new Set(selectAll.checked ? merchants.map((x) => x.mid) : []);
    for (const parts of rowEls.values()) parts.box.checked = selectAll.checked;
    updateControls();
  });

  let unlisten = null;
  function run(mids) {
    if (state.running || !mids.length) return;
    state.job = request(mids).finally(() => { state.job = null; });
  }

  // state.running is the guard against a second request: it disables Generate and Retry at once.
  async function request(mids) {
    errors.clear();
    state.running = true;
    for (const mid of mids) {
      state.rows.set(mid, { status: 'running' });
      updateRow(mid);
    }
    progress.max = mids.length;
    progress.value = 0;
    count.textContent = `Generating… 0 of ${mids.length}`;
    updateControls();
    try {
      unlisten = await api.listen(api.EVENTS.progress, (p) => {
        if (!p || !p.total) return;
        progress.max = p.total;
        progress.value = p.done;
        count.textContent = `Generating… ${p.done} of ${p.total}`;
      });
    } catch (e) {
      unlisten = null; // progress is a nicety; the request itself still runs
    }
    try {
      const res = await api.generateKeys(profile.name, mids);
      const keys = new Map((res.keys || []).map((k) => [k.cybersourceMerchantId, k]));
      const failures = new Map((res.failures || []).map((f) => [f.cybersourceMerchantId, f]));
      for (const mid of mids) {
        if (keys.has(mid)) state.rows.set(mid, { status: 'done', key: keys.get(mid) });
        else state.rows.set(mid, { status: 'failed', failure: failures.get(mid) || { message: 'Cybersource gave no answer for this merchant. Retry it.' } });
      }
      errors.el.replaceChildren(...(res.storageWarning ? [warningBlock(res.storageWarning)] : []),
        ...credentialWarnings(res.warnings));
      const { done, failed } = tally();
      say(`${done} generated${failed ? `, ${failed} failed` : ''}.`);
    } catch (e) {
      for (const mid of mids) state.rows.delete(mid);
      errors.show(e);
    } finally {
      if (unlisten) unlisten();
      unlisten = null;
      state.running = false;
      for (const mid of mids) updateRow(mid);
      updateControls();
    }
  }

  generateButton.addEventListener('click', () => {
    const mids = merchants.map((x) => x.mid).filter((mid) => state.selected.has(mid));
    run(mids);
  });
  retry.addEventListener('click', () => {
    const mids = merchants.map((x) => x.mid).filter((mid) => rowOf(mid).status === 'failed');
    run(mids);
  });
  downloadAll.addEventListener('click', () => {
    const keyIds = merchants.map((x) => rowOf(x.mid)).filter((r) => r.key).map((r) => r.key.keyId);
    errors.clear();
    busy(downloadAll, null, () => downloadKeys(keyIds, format.value, (e) => errors.show(e)));
  });

  const refreshAll = () => {
    for (const x of merchants) updateRow(x.mid);
    updateControls();
  };
  refreshAll();
  // Came back while a request from an earlier visit still runs: catch up when it ends.
  if (state.job) state.job.then(refreshAll);

  const el = h('div', { class: 'batch' },
    h('div', { class: 'action-row' }, generateButton, providerBadge(profile)),
    errors.el,
    progressRow,
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'action-row' }, retry, h('span', { class: 'spacer' }), h('span', { class: 'join' }, format, downloadAll)));

  return {
    el,
    generate: () => generateButton.click(),
    download: () => downloadAll.click(),
    unmount: () => { if (unlisten) unlisten(); },
  };
}
