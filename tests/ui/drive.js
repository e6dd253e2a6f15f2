// Puts the window into a named state for a screenshot (?scene=…), or runs behaviour checks (?scene=check)
// and writes "PASS"/"FAIL …" into <pre id="results">, for `chromium --dump-dom`.
const params = new URLSearchParams(window.location.search);
const scene = params.get('scene') || '';
const mock = window.__mock;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const $ = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);
const $$ = (id, root = document) => [...root.querySelectorAll(`[data-testid="${id}"]`)];

async function waitFor(test, what, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const el = (id) => waitFor(() => $(id), id);

function key(target, keyName, opts = {}) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: keyName, bubbles: true, cancelable: true, ...opts }));
}

function type(input, text) {
  input.focus();
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

const calls = (cmd) => mock.calls.filter((c) => c.cmd === cmd).length;

async function generateOne() {
  (await el('generate-button')).click();
  await el('result-card');
}

async function batchRun() {
  (await el('batch-toggle')).click();
  (await el('batch-select-all')).click();
  (await el('generate-button')).click();
  await waitFor(() => /generated/.test($('batch-count').textContent), 'batch count');
}

const scenes = {
  async result() { await generateOne(); },
  async reveal() { await generateOne(); $('reveal-secret').click(); await waitFor(() => !/•/.test($('result-secret').textContent), 'secret'); },
  async combo() {
    const input = await el('merchant-combobox');
    type(input, 'demo');
    key(input, 'ArrowDown');
  },
  async error() {
    const input = await el('merchant-combobox');
    type(input, 'refuses');
    key(input, 'Enter');
    (await el('generate-button')).click();
    (await el('error-details-toggle')).click();
  },
  async batch() { await batchRun(); },
  async settings() { (await el('open-settings')).click(); await el('settings-profile-name'); },
  async 'settings-profile'() {
    (await el('open-settings')).click();
    ($$('settings-profile-item').find((b) => b.dataset.name === 'Acme test') || $('settings-add-profile')).click();
    (await el('settings-save-profile')).scrollIntoView({ block: 'center' });
  },
  // A certificate profile as saved: file name, "Stored in …", and the expiry warning of a connection test.
  async 'settings-cert'() {
    (await el('open-settings')).click();
    $$('settings-profile-item').find((b) => b.dataset.name === 'Acme certificate').click();
    (await el('settings-test-connection')).click();
    (await el('credential-warning')).scrollIntoView({ block: 'end' });
  },
  // A new certificate profile: the file chosen, the password not yet typed.
  async 'settings-cert-new'() {
    (await el('open-settings')).click();
    (await el('settings-add-profile')).click();
    const auth = await el('settings-auth-type');
    auth.value = 'certificate';
    auth.dispatchEvent(new Event('change'));
    (await el('settings-p12-choose')).click();
    await waitFor(() => /\.p12$/.test($('settings-p12-path').textContent), 'file name');
    $('settings-auth-type').scrollIntoView({ block: 'start' });
  },
  async 'settings-new'() { (await el('open-settings')).click(); (await el('settings-add-profile')).click(); },
  async 'settings-general'() {
    (await el('open-settings')).click();
    (await el('theme-select')).scrollIntoView({ block: 'center' });
  },
  async import() {
    (await el('open-settings')).click();
    (await el('import-csv')).click();
    (await el('import-good-lines')).scrollIntoView({ block: 'center' });
  },
  async history() {
    await generateOne();
    $('download-button').click();
    await sleep(50);
    (await el('merchant-combobox')).focus();
    const now = Date.now();
    const shown = ($('profile-picker') || {}).value || ($('profile-name') || {}).textContent;
    mock.codesMade.push({ profile: shown, environment: 'test', cybersourceMerchantId: 'acme_store_042', count: 5,
      generatedAt: new Date(now - 3600000).toISOString(), expiresAt: new Date(now + 82800000).toISOString() });
    (await el('open-history')).click();
    await el('history-row');
    await el('history-codes-row');
  },
  async codes() {
    (await el('mode-codes')).click();
    (await el('batch-toggle')).click();
    (await el('codes-select-all')).click();
    type(await el('codes-count'), '3');
    (await el('generate-codes-button')).click();
    await el('codes-result');
  },
  async dialog() { await el('merchant-combobox'); mock.emit('close-requested-with-unsaved-keys', { count: 2 }); },
  async check() { await runChecks(); },
};

// ---- Behaviour checks ----

const results = [];
function expect(ok, what) { results.push(`${ok ? 'ok  ' : 'FAIL'} ${what}`); }
function everyControlHasHook(where) {
  const missing = [...document.querySelectorAll('button, input, select, summary, [tabindex="0"]')]
    .filter((n) => !n.dataset.testid).map((n) => n.outerHTML.slice(0, 80));
  expect(!missing.length, `every control has a data-testid: ${where} ${missing.join(' | ')}`);
}
function noHorizontalScroll(where) {
  const c = document.querySelector('.content');
  expect(c.scrollWidth <= c.clientWidth && document.documentElement.scrollWidth <= window.innerWidth,
    `no horizontal scroll: ${where} (${c.scrollWidth}/${c.clientWidth})`);
}

// Activation codes: the mode switch, the 1–15 count, one and several merchants, copy per code and per
// merchant (in the backend), download, and a close that asks about codes never copied.
async function codesChecks() {
  (await el('mode-codes')).click();
  const count = await el('codes-count');
  const picker = $('merchant-combobox');
  expect(picker && !picker.closest('[hidden]'), 'codes use the same merchant picker');
  type(picker, 'berlin');
  key(picker, 'Enter');
  type(count, '16');
  $('generate-codes-button').click();
  await waitFor(() => /1 to 15/.test(($('error-message') || {}).textContent || ''), 'count error');
  expect(calls('activation_codes_generate') === 0, 'a count above 15 is refused before any request');
  type(count, '3');
  count.dispatchEvent(new Event('change', { bubbles: true }));
  $('generate-codes-button').click();
  await el('codes-result');
  const first = mock.calls.filter((c) => c.cmd === 'activation_codes_generate').pop().args;
  expect(first.count === 3 && first.mids.length === 1, 'one merchant, three codes asked for');
  expect($$('codes-value').length === 3, 'the result lists three codes');
  expect(/^valid for 23 h 59 min$/.test($('codes-countdown').textContent), `countdown reads "${$('codes-countdown').textContent}"`);
  expect(/Code 1 of 3 for .*: %/.test($('codes-value').getAttribute('aria-label')), 'each code is spelled out for screen readers');
  $('codes-copy').click();
  await waitFor(() => /^codes:.*:0$/.test(mock.clipboard || ''), 'copy of one code');
  const third = $$('codes-value')[2];
  third.focus();
  key(third, 'c', { ctrlKey: true });
  await waitFor(() => /:2$/.test(mock.clipboard || ''), 'Ctrl+C on a focused code copies it');
  $('codes-copy-merchant').click();
  await waitFor(() => /:all$/.test(mock.clipboard || ''), 'copy of a merchant\'s codes');

  (await el('batch-toggle')).click();
  (await el('codes-select-all')).click();
  expect(/for 4 merchants/.test($('generate-codes-button').textContent), 'the batch button counts the merchants');
  $('generate-codes-button').click();
  await waitFor(() => $$('codes-merchant').length === 4, 'four merchant groups');
  const refused = $$('codes-merchant').find((g) => g.dataset.mid.startsWith('unknown'));
  expect(refused && $('error-message', refused), 'a refused merchant shows its error in its own group');
  expect($$('codes-value').length === 9, 'three codes for each of the three others');
  expect(calls('activation_codes_clear') === 1, 'the replaced result is forgotten in the backend');
  $('codes-download-format').value = 'csv';
  $('codes-download').click();
  await waitFor(() => calls('activation_codes_export') === 1, 'download');
  const exp = mock.calls.find((c) => c.cmd === 'activation_codes_export').args;
  expect(exp.format === 'csv' && exp.batchId, 'Download… sends the batch and the chosen format');
  everyControlHasHook('codes');
  noHorizontalScroll('codes');

  mock.emit('close-requested-with-unsaved-keys', { count: 0, codes: 5 });
  await el('confirm-dialog');
  expect(/5 activation codes/.test($('confirm-dialog').textContent), 'closing asks about codes never copied');
  $('confirm-cancel').click();
  await waitFor(() => !$('confirm-dialog'), 'dialog to close');
  (await el('batch-toggle')).click();
  (await el('mode-key')).click();
  await el('generate-button');
}

async function runChecks() {
  // Start-up: once the first screen is painted the app is told (benches/run.sh times it).
  const input = await el('merchant-combobox');
  await waitFor(() => calls('app_ready') === 1, 'app_ready after the first paint');
  const order = mock.calls.map((c) => c.cmd);
  expect(order.indexOf('app_ready') > order.indexOf('app_state'), 'app_ready is reported after app_state');

  // Combobox: typing filters, arrows move, Enter chooses.
  type(input, 'munich');
  expect($$('merchant-option').length === 1, 'typing filters the merchant list');
  key(input, 'Enter');
  expect(input.value === 'Demo shop, Munich' && input.getAttribute('aria-expanded') === 'false', 'Enter picks the highlighted merchant');
  key(input, 'ArrowDown');
  expect(input.getAttribute('aria-expanded') === 'true' && $$('merchant-option').length === 4, 'ArrowDown opens the full list');
  key(input, 'ArrowDown');
  expect(input.getAttribute('aria-activedescendant') === $$('merchant-option')[2].id, 'ArrowDown moves the highlight');
  key(input, 'Escape');
  expect(input.getAttribute('aria-expanded') === 'false' && input.value === 'Demo shop, Munich', 'Escape closes and keeps the choice');

  // Generate: a double click sends one request; Ctrl+G also generates.
  const before = calls('generate_keys');
  const button = $('generate-button');
  button.click();
  button.click();
  button.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
  expect(button.getAttribute('aria-disabled') === 'true', 'Generate is marked busy while running');
  await el('result-card');
  await sleep(50);
  expect(calls('generate_keys') === before + 1, 'double click sends exactly one generate request');
  noHorizontalScroll('result card');
  everyControlHasHook('result card');
  const args = mock.calls.filter((c) => c.cmd === 'generate_keys').pop().args;
  expect(args.mids.join() === 'demo_store_002' && args.profile === 'Demo (offline)', 'generate_keys gets the profile and the chosen MID');
  expect($('env-badge').textContent.includes('DEMO'), 'demo profile shows the DEMO badge');

  // Reveal: only on click, re-masked on the next click.
  expect(calls('key_reveal') === 0 && /^•+$/.test($('result-secret').textContent), 'secret is masked and not fetched');
  $('reveal-secret').click();
  await waitFor(() => !/•/.test($('result-secret').textContent), 'revealed secret');
  expect(calls('key_reveal') === 1, 'reveal calls key_reveal once');
  $('reveal-secret').click();
  expect(/^•+$/.test($('result-secret').textContent), 'second click masks the secret again');

  // Copy: buttons and Ctrl+C on a focused value go through copy_value; status line says so.
  $('copy-snippet').click();
  await sleep(20);
  expect(mock.clipboard && mock.clipboard.startsWith('snippet:'), 'Copy for mposUi copies the snippet');
  expect($('status-line').textContent === 'Copied. Clipboard clears in 60 s.', 'status line announces the copy');
  $('result-secret').focus();
  key($('result-secret'), 'c', { ctrlKey: true });
  await sleep(20);
  expect(mock.clipboard.startsWith('secret:'), 'Ctrl+C on the focused secret copies it via copy_value');

  // Download and Ctrl+S.
  $('download-format').value = 'env';
  key(document.body, 's', { ctrlKey: true });
  await sleep(30);
  const exp = mock.calls.filter((c) => c.cmd === 'export_keys').pop();
  expect(exp && exp.args.format === 'env' && exp.args.keyIds.length === 1, 'Ctrl+S downloads the key in the chosen format');

  const gen = calls('generate_keys');
  key(document.body, 'g', { ctrlKey: true });
  await sleep(10);
  expect(calls('generate_keys') === gen + 1, 'Ctrl+G generates');
  await sleep(600);

  // Failure inline with details.
  type(input, 'refuses');
  key(input, 'Enter');
  $('generate-button').click();
  await el('error-message');
  expect($('error-details').hidden && $('error-details-toggle').getAttribute('aria-expanded') === 'false', 'error details start hidden');
  $('error-details-toggle').click();
  expect(!$('error-details').hidden && /merchant_refused/.test($('error-details').textContent), 'Details shows code and detail');

  // Batch: progress, count, retry.
  await batchRun();
  expect($('batch-count').textContent === '3 of 4 generated, 1 failed', `batch count reads "${$('batch-count').textContent}"`);
  noHorizontalScroll('batch table');
  everyControlHasHook('batch table');
  expect($$('batch-row').length === 4 && $$('batch-row-status').some((s) => /Failed/.test(s.textContent)), 'failed row says Failed');
  const g2 = calls('generate_keys');
  $('retry-failed').click();
  await waitFor(() => calls('generate_keys') === g2 + 1, 'retry');
  const retryArgs = mock.calls.filter((c) => c.cmd === 'generate_keys').pop().args;
  expect(retryArgs.mids.join() === 'unknown_demo_mid', 'Retry failed asks only for the failed merchants');
  await sleep(600);
  $('download-all').click();
  await sleep(20);
  const all = mock.calls.filter((c) => c.cmd === 'export_keys').pop();
  expect(all.args.format === 'csv' && all.args.keyIds.length === 3, 'Download all exports every generated key as CSV');
  $('batch-toggle').click();

  // Settings: Escape goes back; the secret is write-only.
  $('open-settings').click();
  await el('settings-add-profile');
  noHorizontalScroll('settings');
  everyControlHasHook('settings');
  $('theme-select').value = 'dark';
  $('theme-select').dispatchEvent(new Event('change'));
  await waitFor(() => document.documentElement.dataset.theme === 'dark', 'data-theme');
  expect(mock.calls.filter((c) => c.cmd === 'settings_save').pop().args.settings.theme === 'dark', 'theme choice is saved and applied');
  $('theme-select').value = 'system';
  $('theme-select').dispatchEvent(new Event('change'));
  await waitFor(() => !document.documentElement.dataset.theme, 'system theme');
  $('settings-add-profile').click();
  expect($('settings-custom-url').closest('.field').hidden, 'custom URL field hidden for named environments');
  $('settings-profile-name').value = 'Acme live';
  $('settings-key-id').value = 'af922a42-7d5c-4e10-9c4b-09d908647de4';
  $('settings-secret').value = 'c2VjcmV0';
  $('settings-save-profile').click();
  await waitFor(() => $('settings-secret-stored'), 'stored secret note');
  const saveArgs = mock.calls.filter((c) => c.cmd === 'profile_save').pop().args.input;
  expect(saveArgs.secret === 'c2VjcmV0' && !('originalName' in saveArgs), 'profile_save sends the secret once for a new profile');
  expect(/Stored in GNOME Keyring/.test($('settings-secret-stored').textContent) && !$('settings-secret'), 'saved secret shows only "Stored in …"');
  expect(!JSON.stringify(mock.calls.filter((c) => c.cmd !== 'profile_save')).includes('c2VjcmV0'), 'secret sent in no other command');
  $('settings-test-connection').click();
  await waitFor(() => $('settings-test-result').textContent, 'test result');
  expect(/accepted/.test($('settings-test-result').textContent), 'Test connection shows the answer');
  key(document.activeElement || document.body, 'Escape');
  await el('merchant-combobox');
  expect(true, 'Escape leaves settings');
  expect($('profile-picker') && $('profile-picker').options.length === 2, 'profile picker appears with two profiles');

  // REST – Certificate: the file is chosen in Rust (only its path comes back); the password is write-only.
  $('open-settings').click();
  (await el('settings-add-profile')).click();
  const auth = await el('settings-auth-type');
  expect([...auth.options].map((o) => o.textContent).join('|') === 'REST – Shared Secret|REST – Certificate',
    'authentication choices use the Business Center words');
  expect(auth.value === 'sharedSecret' && $('settings-key-id') && !$('settings-p12-choose'), 'a new profile starts with a shared secret');
  auth.value = 'certificate';
  auth.dispatchEvent(new Event('change'));
  expect(!$('settings-key-id') && !$('settings-secret') && $('settings-p12-choose') && $('settings-key-alias') && $('settings-p12-password'),
    'certificate shows file, key alias and password instead of key id and secret');
  expect($('settings-p12-password').type === 'password' && $('settings-p12-path').textContent === 'No file chosen',
    'the .p12 password is a password field; no file yet');
  expect(document.querySelector('.profile-form').textContent.includes('Payment Configuration > Key Management > Generate Key > “REST – Certificate”'),
    'certificate help names the Business Center steps');
  expect($('settings-key-alias').placeholder === 'Default: the organization id', 'key alias says what it defaults to');
  $('settings-profile-name').value = 'Acme cert';
  $('settings-org-id').value = 'acme_mid';
  const certSaves = calls('profile_save');
  $('settings-save-profile').click();
  await el('error-message');
  expect(/Choose the \.p12 file/.test($('error-message').textContent) && calls('profile_save') === certSaves, 'saving without a file asks for one first');
  $('settings-p12-choose').click();
  await waitFor(() => $('settings-p12-path').textContent === 'acme_mid-expiring.p12', 'chosen file name');
  expect(calls('pick_p12_file') === 1 && $('settings-p12-path').title === '/home/it/Downloads/acme_mid-expiring.p12',
    'Choose .p12 file calls pick_p12_file and shows the file name');
  $('settings-save-profile').click();
  await waitFor(() => /password/.test(($('error-message') || {}).textContent || ''), 'password error');
  expect(calls('profile_save') === certSaves && document.activeElement === $('settings-p12-password'), 'saving without the .p12 password asks for it');
  type($('settings-p12-password'), 'p12-pass-77');
  $('settings-p12-password').dispatchEvent(new Event('change'));
  await waitFor(() => document.querySelectorAll('datalist option').length === 1, 'key alias suggestions');
  const aliasArgs = mock.calls.filter((c) => c.cmd === 'certificate_aliases').pop().args;
  expect(aliasArgs.path === '/home/it/Downloads/acme_mid-expiring.p12', 'key alias suggestions come from certificate_aliases');
  $('settings-key-alias').value = 'acme_mid';
  $('settings-save-profile').click();
  await waitFor(() => $('settings-secret-stored'), 'stored password note');
  const certArgs = mock.calls.filter((c) => c.cmd === 'profile_save').pop().args.input;
  expect(certArgs.authType === 'certificate' && certArgs.p12Path === '/home/it/Downloads/acme_mid-expiring.p12'
    && certArgs.keyAlias === 'acme_mid' && certArgs.secret === 'p12-pass-77' && certArgs.keyId === '',
  'profile_save sends authType, p12Path, keyAlias and the password once');
  expect(!$('settings-p12-password') && /Stored in GNOME Keyring/.test($('settings-secret-stored').textContent)
    && /Replace password/.test($('settings-replace-secret').textContent), 'a saved .p12 password shows only "Stored in …" and Replace');
  expect($('settings-p12-path').textContent === 'acme_mid-expiring.p12' && $('settings-key-alias').value === 'acme_mid'
    && $('settings-auth-type').value === 'certificate', 'the saved certificate profile shows its file and alias');
  expect($$('credential-warning').length === 1 && /expires on/.test($('credential-warning').textContent), 'saving shows the certificate expiry warning');
  expect(!JSON.stringify(mock.calls.filter((c) => c.cmd !== 'profile_save' && c.cmd !== 'certificate_aliases')).includes('p12-pass-77'),
    'the .p12 password goes to no other command');
  noHorizontalScroll('certificate form');
  everyControlHasHook('certificate form');
  $('settings-test-connection').click();
  await waitFor(() => $('settings-test-result').textContent, 'certificate test result');
  expect($('settings-test-result').querySelector('[data-testid="credential-warning"]'), 'Test connection shows the certificate warning');
  key(document.activeElement || document.body, 'Escape');
  await el('merchant-combobox');

  // Close with unsaved keys asks first; Escape or Stay keeps the window.
  mock.emit('close-requested-with-unsaved-keys', { count: 1 });
  await el('confirm-dialog');
  expect(document.activeElement === $('confirm-cancel'), 'dialog focuses the safe answer');
  $('confirm-cancel').click();
  await waitFor(() => !$('confirm-dialog'), 'dialog to close');
  expect(!$('confirm-dialog') && !mock.quit, 'Stay closes the dialog without quitting');
  mock.emit('close-requested-with-unsaved-keys', { count: 1 });
  await el('confirm-dialog');
  $('confirm-ok').click();
  await waitFor(() => mock.quit, 'app_quit');
  expect(mock.quit, 'confirming calls app_quit');

  await codesChecks();

  // Hooks, CSP, markup hygiene.
  $('open-history').click();
  await el('history-row');
  noHorizontalScroll('history');
  // The codes made earlier are listed by merchant and count, newest first, and never a code; a line of
  // yesterday's codes says they expired.
  const made0 = mock.codesMade[0];
  mock.codesMade.unshift({ ...made0, cybersourceMerchantId: 'old_codes', count: 3,
    generatedAt: new Date(Date.now() - 2 * 86400000).toISOString(), expiresAt: new Date(Date.now() - 86400000).toISOString() });
  $('back-button').click();
  (await el('open-history')).click();
  await el('history-row');
  await el('history-codes-row');
  const made = $$('history-codes-row');
  expect(made.length === 5, `one line per merchant that got codes: 1 alone, then 3 of a batch of 4, and yesterday's (${made.length})`);
  expect(made[4].dataset.mid === 'old_codes' && /\(expired\)/.test($('history-codes-until', made[4]).textContent), 'the oldest line, last, says expired');
  expect(!/expired/.test($('history-codes-until', made[0]).textContent), 'today\'s codes are not expired');
  expect(made.every((r) => $('history-codes-count', r).textContent === '3'), 'each line says how many codes');
  expect(!/%C/.test($('history-codes').textContent), 'never a code in the history');
  const rows = $$('history-row').length;
  $('history-forget').click();
  (await el('confirm-ok')).click();
  await waitFor(() => $$('history-row').length === rows - 1, 'forgotten row gone');
  expect(calls('history_forget') === 1, 'Forget asks first, then calls history_forget');
  everyControlHasHook('history');
  expect(!mock.csp.length, `no CSP violations ${mock.csp.join(' | ')}`);
  expect(!mock.misused.length, `event listeners added and removed as Tauri expects ${mock.misused.join(' | ')}`);
  expect(calls('app_ready') === 1, 'app_ready is reported once, whatever the user did after start-up');
  expect(document.documentElement.scrollWidth <= window.innerWidth, `no horizontal scroll (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
}

async function main() {
  const out = document.createElement('pre');
  out.id = 'results';
  try {
    if (scenes[scene]) await scenes[scene]();
    if (scene === 'check') {
      out.textContent = `${results.some((r) => r.startsWith('FAIL')) ? 'FAIL' : 'PASS'}\n${results.join('\n')}`;
    }
  } catch (e) {
    out.textContent = `FAIL ${e && e.message}\n${results.join('\n')}\ncalls: ${mock.calls.map((c) => c.cmd).join(' ')}`;
  }
  if (scene === 'check') document.body.append(out);
  document.documentElement.dataset.sceneReady = 'true';
}

main();
