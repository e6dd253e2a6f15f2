// Settings: profiles and their merchants, then the app-wide choices (theme, clipboard, proxy, history).
import * as api from './api.js';
import { h, append, clear, checkbox, field, select } from './dom.js';
import { errorSlot } from './errors.js';
import { icon } from './icons.js';
import { credentialSteps } from './help.js';
import { profileForm } from './profile-form.js';
import { merchantsSection } from './merchants.js';
import { say } from './status.js';
import { session, profiles, profileByName, activeProfile, settings, replaceProfile } from './state.js';
import { applyTheme } from './theme.js';
import { viewHeader } from './view-header.js';

export function mount(root, ctx, opts = {}) {
  if (opts.newProfile || !profiles().length) session.settingsProfile = '';
  else if (session.settingsProfile == null || (session.settingsProfile && !profileByName(session.settingsProfile))) {
    session.settingsProfile = (activeProfile() || {}).name || '';
  }

  const profileList = h('ul', { class: 'profile-list', 'aria-label': 'Profiles' });
  const editor = h('div', { class: 'profile-editor' });
  const merchantsSlot = h('section', { class: 'settings-section', 'aria-labelledby': 'merchants-title' });
  let form = null;

  function open(name) {
    session.settingsProfile = name;
    renderProfiles();
  }

  function renderProfiles() {
    const current = session.settingsProfile ? profileByName(session.settingsProfile) : null;
    profileList.replaceChildren(
      ...profiles().map((p) => h('li', {},
        h('button', {
          type: 'button', class: 'profile-item', testid: 'settings-profile-item', dataset: { name: p.name },
          'aria-current': current && p.name === current.name ? 'true' : null,
          onclick: () => { open(p.name); form.focus(); },
        }, h('span', { class: 'profile-item-name' }, p.name),
        h('span', { class: 'profile-item-env' }, p.environmentLabel || p.environment)))),
      h('li', {}, h('button', {
        type: 'button', class: 'profile-item add', testid: 'settings-add-profile',
        'aria-current': current ? null : 'true',
        onclick: () => { open(''); form.focus(); },
      }, icon('plus'), 'Add profile')));

    form = profileForm(current, { onSaved, onDeleted });
    // First connection: the steps come before the form; later they stay one click away below it.
    const firstRun = !profiles().length;
    clear(editor);
    append(editor, [
      firstRun ? h('section', { class: 'howto first', 'aria-labelledby': 'howto-title' },
        h('h2', { id: 'howto-title' }, 'Where your credential comes from'), credentialSteps()) : null,
      form.el,
      current || firstRun ? null : h('details', { class: 'howto' },
        h('summary', { testid: 'settings-credential-help' }, 'Where do I find the key id and shared secret?'), credentialSteps()),
    ]);
    renderMerchants(current);
  }

  function renderMerchants(current) {
    merchantsSlot.hidden = !current;
    if (!current) { merchantsSlot.replaceChildren(); return; }
    const section = merchantsSection(current);
    merchantsSlot.replaceChildren(h('h2', { id: 'merchants-title' }, `Merchants of “${current.name}”`), section.el);
  }

  // A failed refresh is shown but does not undo the save: the session already holds the new view.
  const refresh = () => ctx.refresh().catch((e) => ctx.showError(e));

  async function onSaved(view, oldName, { thenTest = false } = {}) {
    replaceProfile(view, oldName || view.name);
    await refresh();
    open(view.name);
    // The new form shows what saving found out about the credential (e.g. a certificate expiring soon).
    if (view.warnings && view.warnings.length) form.warn(view.warnings);
    if (thenTest) form.test(); else form.focus();
  }

  async function onDeleted() {
    await refresh();
    const first = profiles()[0];
    open(first ? first.name : '');
    form.focus();
  }

  const view = h('section', { class: 'view settings-view', 'aria-labelledby': 'settings-title' },
    viewHeader('Settings', 'settings-title', ctx),
    h('section', { class: 'settings-section', 'aria-labelledby': 'profiles-title' },
      h('h2', { id: 'profiles-title' }, 'Profiles'),
      h('div', { class: 'profiles-layout' }, profileList, editor)),
    merchantsSlot,
    generalSection(),
    h('p', { class: 'muted version' }, `mPOS Key Generator ${(session.app && session.app.version) || ''}`));
  root.append(view);
  renderProfiles();

  if (opts.section === 'merchants' && !merchantsSlot.hidden) {
    merchantsSlot.scrollIntoView({ block: 'start' });
  }
  return {
    focus: () => {
      if (opts.section === 'merchants') {
        const input = merchantsSlot.querySelector('[data-testid="merchant-add-mid"]');
        if (input) { input.focus(); return; }
      }
      if (opts.newProfile) form.focus(); else view.querySelector('h1').focus();
    },
  };
}

// config.json's ProxySetting: {mode: "system"} | {mode: "none"} | {mode: "url", url}.
function readProxy(p) {
  const mode = p && ['system', 'none', 'url'].includes(p.mode) ? p.mode : 'system';
  return { mode, url: (p && p.url) || '' };
}

function writeProxy(mode, url) {
  return mode === 'url' ? { mode, url } : { mode };
}

function generalSection() {
  const errors = errorSlot();
  const s = settings();

  async function save(patch) {
    errors.clear();
    const next = { ...settings(), ...patch };
    try {
      const saved = await api.settingsSave(next);
      session.app.settings = saved || next;
      applyTheme(session.app.settings.theme);
      say('Settings saved.');
    } catch (e) {
      errors.show(e);
    }
  }

  const theme = select([['system', 'Same as the system'], ['light', 'Light'], ['dark', 'Dark']], s.theme || 'system', { testid: 'theme-select' });
  theme.addEventListener('change', () => save({ theme: theme.value }));

  const seconds = h('input', {
    type: 'number', min: '0', max: '86400', step: '1', class: 'narrow',
    value: String(s.clipboardClearSecs ?? 60), testid: 'clipboard-seconds',
  });
  seconds.addEventListener('change', () => {
    const n = Number(seconds.value);
    if (!Number.isInteger(n) || n < 0 || n > 86400) {
      errors.show({ message: 'Enter a whole number of seconds, from 0 (never clear) to 86400 (one day).' });
      seconds.focus();
      return;
    }
    save({ clipboardClearSecs: n });
  });

  const proxy = readProxy(s.proxy);
  const proxyMode = select([['system', 'Use the system settings'], ['none', 'No proxy'], ['url', 'This proxy…']], proxy.mode, { testid: 'proxy-select' });
  const proxyUrl = h('input', { type: 'url', class: 'mono', value: proxy.url, placeholder: 'http://proxy.example.com:8080', testid: 'proxy-url' });
  const proxyUrlField = field('Proxy URL', proxyUrl);
  const showProxyUrl = () => { proxyUrlField.hidden = proxyMode.value !== 'url'; };
  proxyMode.addEventListener('change', () => {
    showProxyUrl();
    if (proxyMode.value === 'url') {
      proxyUrl.focus();
      if (!proxyUrl.value.trim()) return; // saved once a URL is entered
    }
    save({ proxy: writeProxy(proxyMode.value, proxyUrl.value.trim()) });
  });
  proxyUrl.addEventListener('change', () => {
    if (proxyUrl.value.trim()) save({ proxy: writeProxy('url', proxyUrl.value.trim()) });
  });
  showProxyUrl();

  const remember = checkbox('Remember generated keys', s.rememberKeys !== false, { testid: 'remember-keys' });
  remember.input.addEventListener('change', () => save({ rememberKeys: remember.input.checked }));

  return h('section', { class: 'settings-section', 'aria-labelledby': 'general-title' },
    h('h2', { id: 'general-title' }, 'General'),
    field('Theme', theme),
    field('Clear copied values from the clipboard after (seconds)', seconds, '0 leaves them on the clipboard.'),
    field('Proxy', proxyMode, 'The system settings are the HTTPS_PROXY and NO_PROXY variables.'),
    proxyUrlField,
    remember.el,
    h('p', { class: 'hint' }, 'Keeps each new key until you forget it in History: the secret in the keychain, '
      + 'the rest in a file. Turned off, a key is gone once the window closes, unless you downloaded it.'),
    errors.el);
}
