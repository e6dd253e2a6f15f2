// Bootstrap and router of the window: header, one view at a time, status line, window-wide keys.
//
// data-testid hooks (stable names for the WebDriver end-to-end tests; keep this list in step):
//   Header        open-settings, open-history, profile-picker (<select>, only with 2+ profiles),
//                 profile-name (the single profile's name), retry-start (only if start-up failed)
//   Welcome       welcome-try-demo, welcome-connect
//   Main, single  merchant-combobox (<input role=combobox>), merchant-combobox-toggle,
//                 merchant-option (each <li role=option>, data-mid), batch-toggle, generate-button,
//                 env-badge, empty-add-merchants (profile without merchants)
//   Result card   result-card, result-status, result-merchant-id, result-secret (masked until
//                 revealed), reveal-secret, result-key-id, result-expires, result-provider-mode,
//                 copy-merchant-id, copy-secret, copy-key-id, copy-snippet,
//                 download-format (json|env|text), download-button, result-stored,
//                 storage-warning (keys generated but not stored; also in batch)
//                 credential-warning (e.g. a REST certificate expiring soon; also in batch and
//                 settings after save or test)
//   Main, mode    mode-key, mode-codes (radio buttons: Secret key / Activation codes)
//   Codes         codes-pane, codes-count, codes-select-all, codes-merchant-select (data-mid),
//                 generate-codes-button, codes-progress, codes-result, codes-merchant (data-mid),
//                 codes-countdown, codes-copy-merchant, codes-item, codes-value, codes-copy,
//                 codes-download-format (text|csv|json), codes-download
//   Batch         batch-select-all, batch-row (<tr>, data-mid), batch-row-select, batch-row-status,
//                 batch-row-merchant-id, batch-copy-merchant-id, batch-row-secret (always masked),
//                 batch-copy-secret, batch-progress, batch-count, retry-failed,
//                 download-all-format (csv|json), download-all; generate-button and env-badge as above
//   Errors        error-message, error-details-toggle, error-details (wherever an error is shown)
//   History       history-all-profiles, history-format, history-row (data-key-id), history-status,
//                 history-exported, history-merchant-id, history-copy-merchant-id,
//                 history-generated, history-expires, history-copy-secret, history-copy-snippet,
//                 history-download, history-forget, history-codes, history-codes-row (data-mid),
//                 history-codes-count, history-codes-until
//   Settings      settings-profile-item (data-name), settings-add-profile, settings-profile-name,
//                 settings-environment, settings-custom-url, settings-key-id, settings-org-id,
//                 settings-auth-type (sharedSecret|certificate), settings-p12-choose, settings-p12-path
//                 (the chosen file's name), settings-key-alias, settings-p12-password,
//                 settings-meta-key, settings-secret, settings-secret-stored, settings-replace-secret,
//                 settings-save-profile, settings-test-connection, settings-test-result,
//                 settings-delete-profile, settings-credential-help
//   Merchants     merchant-row (data-mid), merchant-label, merchant-remove, merchant-add-mid,
//                 merchant-add-label, merchant-add-button, import-csv, import-only-good,
//                 import-result, import-errors, import-error (data-line), import-good-lines
//   General       theme-select, clipboard-seconds, proxy-select, proxy-url, remember-keys
//   Everywhere    back-button (settings, history), status-line, confirm-dialog, confirm-ok,
//                 confirm-cancel
import * as api from './api.js';
import { h } from './dom.js';
import { confirmDialog } from './dialog.js';
import { errorSlot } from './errors.js';
import { icon } from './icons.js';
import { installShortcuts } from './shortcuts.js';
import { statusLine } from './status.js';
import { session, profiles, activeProfile } from './state.js';
import { applyTheme } from './theme.js';
import * as generate from './generate.js';

// The usual first screen's view; the others (the first run's welcome, history, settings with the profile
// form and merchant list) are imported when first shown, so that screen never waits for them.
const VIEWS = { main: generate.mount };
const LATER_VIEWS = {
  welcome: () => import('./welcome.js'),
  history: () => import('./history.js'),
  settings: () => import('./settings.js'),
};

async function loadView(name) {
  if (!VIEWS[name]) VIEWS[name] = (await LATER_VIEWS[name]()).mount;
}

// The rest of the start, once the first screen is painted: the other views and parts, and the whole state
// (which profiles have a secret stored: the first screen's state does not ask the keychain). Settings
// waits for it.
let later = null;
function startLater() {
  later = later || Promise.all([
    stateIsWhole ? null : refresh(),
    ...Object.keys(LATER_VIEWS).map(loadView),
    generate.loadParts(),
  ]);
  later.catch(() => { later = null; });
  return later;
}

const profileSlot = h('div', { class: 'profile-slot' });
const settingsButton = h('button', {
  type: 'button', class: 'icon-button', 'aria-label': 'Settings', title: 'Settings', testid: 'open-settings',
  onclick: () => go('settings'),
}, icon('settings'));
const historyButton = h('button', {
  type: 'button', class: 'icon-button', 'aria-label': 'History', title: 'History', testid: 'open-history',
  onclick: () => go('history'),
}, icon('history'));
const pageErrors = errorSlot();
const content = h('div', { class: 'page' });

let current = {};
let currentName = '';

const ctx = { go, back, refresh, showError: (e) => pageErrors.show(e) };

// Whether session.app came from app_state (and so says which profiles have a secret stored).
let stateIsWhole = false;

async function refresh() {
  useState(await api.appState());
  stateIsWhole = true;
}

function useState(app) {
  session.app = app;
  applyTheme((session.app.settings || {}).theme);
  renderHeader();
}

// The state the first screen is drawn from, put into the page by the app before it loaded (src-tauri,
// open_main_window), so that screen needs no call back to Rust. A reloaded page asks instead: the state in
// it is the one of the app's start.
function startState() {
  const navigation = performance.getEntriesByType('navigation')[0];
  if (navigation && navigation.type === 'reload') return null;
  return window.__MPOS_KEYGEN_START__ || null;
}

function renderHeader() {
  const list = profiles();
  const active = activeProfile();
  profileSlot.replaceChildren();
  if (list.length > 1) {
    const picker = h('select', { testid: 'profile-picker', id: 'profile-picker' });
    for (const p of list) picker.append(h('option', { value: p.name }, p.isDemo ? `${p.name} (demo)` : p.name));
    picker.value = active ? active.name : list[0].name;
    picker.addEventListener('change', () => switchProfile(picker.value));
    profileSlot.append(h('label', { htmlFor: 'profile-picker', class: 'profile-label' }, 'Profile'), picker);
  } else if (active) {
    profileSlot.append(h('span', { class: 'profile-label' }, 'Profile'),
      h('span', { class: 'profile-name', testid: 'profile-name' }, active.name));
  }
  settingsButton.setAttribute('aria-current', currentName === 'settings' ? 'page' : 'false');
  historyButton.setAttribute('aria-current', currentName === 'history' ? 'page' : 'false');
}

async function switchProfile(name) {
  pageErrors.clear();
  try {
    await api.profileSelect(name);
    await refresh();
    if (currentName !== 'settings') go(currentName);
  } catch (e) {
    renderHeader();
    pageErrors.show(e);
  }
}

function go(name, opts = {}) {
  const target = name === 'main' && !profiles().length ? 'welcome' : name;
  // Settings asked for before the rest of the start ended (a very quick click), or a view not loaded yet:
  // go there once it is. The promise returned then ends when the view is shown.
  const waitFor = target === 'settings' && !stateIsWhole ? startLater() : !VIEWS[target] && loadView(target);
  if (waitFor) return waitFor.then(() => go(name, opts), (e) => pageErrors.show(e));
  if (current.unmount) current.unmount();
  pageErrors.clear();
  content.replaceChildren();
  currentName = target;
  current = VIEWS[target](content, ctx, opts) || {};
  renderHeader();
  document.querySelector('.content').scrollTop = 0;
  if (current.focus) current.focus();
}

function back() {
  if (currentName === 'settings' || currentName === 'history') go('main');
}

// A second close click while the question is open must not stack a second dialog.
let askingToQuit = false;

async function askBeforeQuit(payload) {
  if (askingToQuit) return;
  askingToQuit = true;
  const n = (payload && Number(payload.count)) || 0;
  const codes = (payload && Number(payload.codes)) || 0;
  const many = n > 1;
  const keysText = many
    ? `${n} keys you generated are neither downloaded nor stored on this computer. If you quit now, their `
      + 'secrets are lost and the keys have to be generated again.'
    : 'A key you generated is neither downloaded nor stored on this computer. If you quit now, its secret '
      + 'is lost and the key has to be generated again.';
  const codesText = codes === 1
    ? 'An activation code you made was neither copied nor downloaded; it is lost when you quit.'
    : `${codes} activation codes you made were neither copied nor downloaded; they are lost when you quit.`;
  const ok = await confirmDialog({
    title: n ? 'Keys not saved' : 'Activation codes not saved',
    message: `${[n ? keysText : '', codes ? codesText : ''].filter(Boolean).join(' ')} Quit anyway?`,
    okText: 'Quit anyway',
    cancelText: 'Stay',
    danger: true,
  });
  askingToQuit = false;
  if (ok) {
    try {
      await api.appQuit();
    } catch (e) {
      pageErrors.show(e);
    }
  }
}

// The first screen is painted after the frame that follows this one: the time to a usable window, which the
// app logs (and benches/run.sh measures). Failing to report it must not disturb the user.
// What the first screen does not need is set up then: the close guard's listener (no key can be unsaved
// before the first screen exists) and the other views.
function reportReadyAfterPaint() {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    api.appReady().catch(() => {});
    api.listen(api.EVENTS.closeRequested, askBeforeQuit).catch((e) => pageErrors.show(e));
    startLater().catch((e) => pageErrors.show(e));
  }));
}

async function boot() {
  const root = document.getElementById('app');
  root.append(
    h('header', { class: 'appbar' },
      h('span', { class: 'app-title' }, 'mPOS Key Generator'),
      h('span', { class: 'spacer' }),
      profileSlot, settingsButton, historyButton),
    h('main', { class: 'content' }, h('div', { class: 'page-wrap' }, pageErrors.el, content)),
    h('footer', { class: 'statusbar' }, statusLine()));
  installShortcuts(() => current, back);

  try {
    const start = startState();
    if (start) useState(start);
    else await refresh();
    await go('main');
    reportReadyAfterPaint();
  } catch (e) {
    pageErrors.show(e);
    settingsButton.disabled = true;
    historyButton.disabled = true;
    content.replaceChildren(h('button', { type: 'button', testid: 'retry-start', onclick: () => window.location.reload() }, 'Try again'));
  }
}

boot();
