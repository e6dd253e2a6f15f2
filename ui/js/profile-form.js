// One profile: where keys are generated and with which REST credential. The shared secret (or, for a REST
// certificate, the .p12 password) is write-only: it leaves this window in profile_save (and, for the key
// alias suggestions, certificate_aliases) and is never shown or sent back. The .p12 file itself is chosen
// and read in Rust; this window only ever holds its path.
import * as api from './api.js';
import { h, busy, checkbox, field, select, uid } from './dom.js';
import { confirmDialog } from './dialog.js';
import { credentialWarnings, errorSlot } from './errors.js';
import { icon } from './icons.js';
import { say } from './status.js';
import { keychainName } from './state.js';

const ENVIRONMENTS = [
  ['test', 'Cybersource test'],
  ['production', 'Cybersource production'],
  ['visa-test', 'Visa Acceptance test'],
  ['visa-production', 'Visa Acceptance production'],
  ['custom', 'Custom gateway URL…'],
];
const NAMED = new Set(ENVIRONMENTS.map(([v]) => v).filter((v) => v !== 'custom'));
// The Business Center's own words for the two kinds of REST key.
const AUTH_TYPES = [
  ['sharedSecret', 'REST – Shared Secret'],
  ['certificate', 'REST – Certificate'],
];

// The last part of a path, for showing a chosen file without its folders (either separator: Windows too).
const fileName = (path) => path.split(/[\\/]/).filter(Boolean).pop() || path;

export function profileForm(profile, { onSaved, onDeleted }) {
  if (profile && profile.isDemo) return demoCard(profile, { onDeleted });

  const isNew = !profile;
  const envToken = profile ? profile.environment : 'test';
  const errors = errorSlot();
  const name = h('input', { type: 'text', value: profile ? profile.name : '', required: true, autocomplete: 'off', testid: 'settings-profile-name' });
  const env = select(ENVIRONMENTS, NAMED.has(envToken) ? envToken : 'custom', { testid: 'settings-environment' });
  const url = h('input', { type: 'url', class: 'mono', value: NAMED.has(envToken) ? '' : envToken, placeholder: 'https://gateway.example.com', testid: 'settings-custom-url' });
  const urlField = field('Gateway URL', url, 'https:// anywhere, or http:// only to this computer (localhost).');
  const authType = select(AUTH_TYPES, profile && profile.authType === 'certificate' ? 'certificate' : 'sharedSecret', { testid: 'settings-auth-type' });
  const keyId = h('input', { type: 'text', class: 'mono', value: profile ? profile.keyId || '' : '', autocomplete: 'off', spellcheck: 'false', testid: 'settings-key-id' });
  const org = h('input', { type: 'text', class: 'mono', value: profile ? profile.organizationId || '' : '', autocomplete: 'off', spellcheck: 'false', testid: 'settings-org-id' });
  const meta = checkbox('This is a meta key (created for a portfolio or account)', Boolean(profile && profile.metaKey), { testid: 'settings-meta-key' });
  const secret = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', testid: 'settings-secret' });
  const secretField = field('Shared secret', secret, 'Paste it from the Business Center. It goes straight to the keychain.');
  const secretSlot = h('div');

  // REST – Certificate: the .p12 file (a path only), its key alias and its password.
  let p12Path = profile && profile.p12Path ? profile.p12Path : '';
  const p12Name = h('span', { class: 'mono file-name', testid: 'settings-p12-path' });
  const p12Choose = h('button', { type: 'button', testid: 'settings-p12-choose' }, 'Choose .p12 file…');
  const aliasList = h('datalist', { id: uid('aliases') });
  const keyAlias = h('input', {
    type: 'text', class: 'mono', value: profile ? profile.keyAlias || '' : '', autocomplete: 'off', spellcheck: 'false',
    list: aliasList.id, placeholder: 'Default: the organization id', testid: 'settings-key-alias',
  });
  const p12Password = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', testid: 'settings-p12-password' });
  const p12PasswordField = field('.p12 password', p12Password, 'The password set when the certificate was created. It goes straight to the keychain.');
  const p12PasswordSlot = h('div');
  const p12Label = h('span', { class: 'field-label', id: uid('p12') }, '.p12 file');
  const certificateParts = [
    h('p', { class: 'hint cert-help' }, 'In the Business Center: Payment Configuration > Key Management > Generate Key > '
      + '“REST – Certificate”. Download the .p12 file and remember the password you set for it.'),
    h('div', { class: 'field', role: 'group', 'aria-labelledby': p12Label.id },
      p12Label,
      h('p', { class: 'file-pick' }, p12Name, p12Choose)),
    field('Key alias (optional)', keyAlias, 'The certificate’s name in the .p12 file. Leave empty to use the organization id.'),
    aliasList,
    p12PasswordSlot,
  ];
  const sharedParts = [
    field('Key id', keyId, 'The REST shared secret key’s id, a UUID.'),
    secretSlot,
  ];
  const credentialSlot = h('div');
  const warnings = h('div');

  function showP12() {
    p12Name.textContent = p12Path ? fileName(p12Path) : 'No file chosen';
    p12Name.title = p12Path;
    p12Name.classList.toggle('muted', !p12Path);
  }
  showP12();

  p12Choose.addEventListener('click', () => busy(p12Choose, 'Choosing…', async () => {
    errors.clear();
    try {
      const res = await api.pickP12File();
      if (res && !res.cancelled && res.path) {
        p12Path = res.path;
        aliasList.replaceChildren();
        showP12();
        suggestAliases();
      }
    } catch (e) {
      errors.show(e);
    }
  }));

  // The certificates the file holds, as suggestions for the key alias. Needs the password; a wrong one is
  // not reported here (saving says so, next to the field).
  async function suggestAliases() {
    if (!p12Path || !p12Password.value) return;
    try {
      const names = await api.certificateAliases(p12Path, p12Password.value);
      aliasList.replaceChildren(...(names || []).map((n) => h('option', { value: n })));
    } catch {
      aliasList.replaceChildren();
    }
  }
  p12Password.addEventListener('change', suggestAliases);

  const isCertificate = () => authType.value === 'certificate';
  // A stored secret belongs to the kind of credential it was saved with: switching kinds needs a new one.
  const storedFor = (type) => Boolean(profile && profile.secretStored && (profile.authType || 'sharedSecret') === type);
  function showCredential() {
    credentialSlot.replaceChildren(...(isCertificate() ? certificateParts : sharedParts));
  }
  authType.addEventListener('change', showCredential);
  showCredential();

  const showUrl = () => { urlField.hidden = env.value !== 'custom'; };
  env.addEventListener('change', showUrl);
  showUrl();

  // "Stored in <keychain>" with a Replace button, or the empty write-only field when nothing is stored.
  function showSecretState(slot, stored, label, input, inputField, replaceText) {
    if (stored) {
      const replace = h('button', { type: 'button', class: 'link', testid: 'settings-replace-secret' }, replaceText);
      replace.addEventListener('click', () => {
        slot.replaceChildren(inputField);
        input.focus();
      });
      slot.replaceChildren(h('div', { class: 'field' },
        h('span', { class: 'field-label' }, label),
        h('p', { class: 'stored-secret' },
          h('span', { class: 'ok-text', testid: 'settings-secret-stored' }, icon('check'), `Stored in ${keychainName()}`),
          replace)));
    } else {
      slot.replaceChildren(inputField);
    }
  }
  showSecretState(secretSlot, storedFor('sharedSecret'), 'Shared secret', secret, secretField, 'Replace secret');
  showSecretState(p12PasswordSlot, storedFor('certificate'), '.p12 password', p12Password, p12PasswordField, 'Replace password');

  const snapshot = () => JSON.stringify([name.value, env.value, url.value, authType.value, keyId.value, p12Path,
    keyAlias.value, org.value, meta.input.checked]);
  const saved = snapshot();
  const isDirty = () => isNew || snapshot() !== saved || secret.value !== '' || p12Password.value !== '';

  function problem(message, input) {
    errors.show({ message });
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
    return true;
  }

  function invalid() {
    if (!name.value.trim()) return problem('Give the profile a name.', name);
    if (env.value === 'custom' && !url.value.trim()) return problem('Enter the gateway URL, or choose a Cybersource environment.', url);
    if (isCertificate()) {
      if (!p12Path) return problem('Choose the .p12 file you downloaded from the Business Center.', p12Choose);
    } else if (!keyId.value.trim()) return problem('Enter the key id from the Business Center.', keyId);
    if (meta.input.checked && !org.value.trim()) return problem('A meta key needs the portfolio or account id it was created for.', org);
    if (isCertificate()) {
      if (!storedFor('certificate') && !p12Password.value) {
        return problem('Enter the .p12 password: the one set when the certificate was created.', p12Password);
      }
    } else if (!storedFor('sharedSecret') && !secret.value) {
      return problem('Paste the shared secret. The Business Center showed it once, next to the key id.', secret);
    }
    return false;
  }

  // Resolves to the saved ProfileView, or null when the form is not valid or the save failed.
  async function save() {
    errors.clear();
    warnings.replaceChildren();
    if (invalid()) return null;
    const certificate = isCertificate();
    const input = {
      name: name.value.trim(),
      environment: env.value === 'custom' ? url.value.trim() : env.value,
      authType: authType.value,
      keyId: certificate ? '' : keyId.value.trim(),
      metaKey: meta.input.checked,
    };
    if (certificate) {
      input.p12Path = p12Path;
      if (keyAlias.value.trim()) input.keyAlias = keyAlias.value.trim();
    }
    if (profile) input.originalName = profile.name;
    if (org.value.trim()) input.organizationId = org.value.trim();
    const secretValue = certificate ? p12Password.value : secret.value;
    if (secretValue) input.secret = secretValue;
    try {
      const view = await api.profileSave(input);
      secret.value = '';
      p12Password.value = '';
      return view;
    } catch (e) {
      errors.show(e);
      return null;
    }
  }

  const saveButton = h('button', { type: 'submit', class: 'primary', testid: 'settings-save-profile' }, isNew ? 'Add profile' : 'Save');
  const testButton = h('button', { type: 'button', testid: 'settings-test-connection' }, 'Test connection');
  const testResult = h('div', { class: 'test-result', testid: 'settings-test-result', 'aria-live': 'polite' });

  const form = h('form', { class: 'profile-form', 'aria-label': isNew ? 'New profile' : `Profile ${profile.name}`, novalidate: true },
    field('Name', name),
    field('Environment', env),
    urlField,
    field('Authentication', authType, 'The kind of REST key created in the Business Center.'),
    credentialSlot,
    field('Organization id', org, 'The MID that owns the key, or the portfolio or account id of a meta key. '
      + 'May stay empty for a merchant’s own key when you generate for one merchant at a time.'),
    meta.el,
    errors.el,
    warnings,
    h('div', { class: 'action-row' }, saveButton, testButton,
      h('span', { class: 'spacer' }),
      isNew ? null : h('button', { type: 'button', class: 'quiet-danger', testid: 'settings-delete-profile', onclick: remove }, icon('trash'), 'Delete…')),
    testResult);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(saveButton, 'Saving…', async () => {
      const view = await save();
      if (view) {
        say('Profile saved.');
        onSaved(view, profile ? profile.name : null);
      }
    });
  });

  // Tests what the form shows: unsaved changes are saved first (the settings view then redraws this form
  // and calls test() on the new one), so the answer always matches the fields.
  testButton.addEventListener('click', () => busy(testButton, 'Testing…', async () => {
    testResult.replaceChildren();
    if (isDirty()) {
      const view = await save();
      if (view) onSaved(view, profile ? profile.name : null, { thenTest: true });
      return;
    }
    errors.clear();
    try {
      const res = await api.profileTest(profile.name);
      testResult.replaceChildren(h('p', { class: 'ok-text' }, icon('check'), (res && res.message) || 'Connected.'),
        ...credentialWarnings(res && res.warnings));
    } catch (e) {
      errors.show(e);
    }
  }));

  async function remove() {
    const ok = await confirmDialog({
      title: `Delete the profile “${profile.name}”?`,
      message: `Its merchants and its secret in ${keychainName()} are removed. Keys you generated with it stay in the history.`,
      okText: 'Delete profile',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.profileDelete(profile.name);
      say('Profile deleted.');
      onDeleted();
    } catch (e) {
      errors.show(e);
    }
  }

  return {
    el: form,
    focus: () => name.focus({ preventScroll: true }),
    test: () => { testButton.focus(); testButton.click(); },
    warn: (list) => warnings.replaceChildren(...credentialWarnings(list)),
  };
}

// The demo needs no credential; it can be tested and deleted, nothing else.
function demoCard(profile, { onDeleted }) {
  const errors = errorSlot();
  const testResult = h('div', { class: 'test-result', testid: 'settings-test-result', 'aria-live': 'polite' });
  const test = h('button', { type: 'button', testid: 'settings-test-connection' }, 'Test connection');
  test.addEventListener('click', () => busy(test, 'Testing…', async () => {
    errors.clear();
    testResult.replaceChildren();
    try {
      const res = await api.profileTest(profile.name);
      testResult.replaceChildren(h('p', { class: 'ok-text' }, icon('check'), (res && res.message) || 'Connected.'));
    } catch (e) {
      errors.show(e);
    }
  }));
  const del = h('button', { type: 'button', class: 'quiet-danger', testid: 'settings-delete-profile' }, icon('trash'), 'Delete…');
  del.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Delete the demo profile?',
      message: 'Its sample merchants are removed. You can create it again from the welcome screen when no profile is left.',
      okText: 'Delete profile',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.profileDelete(profile.name);
      say('Profile deleted.');
      onDeleted();
    } catch (e) {
      errors.show(e);
    }
  });
  return {
    el: h('div', { class: 'profile-form' },
      h('p', {}, h('strong', { testid: 'settings-profile-name' }, profile.name), ' ',
        h('span', { class: 'badge demo' }, icon('warning'), 'DEMO — offline emulator')),
      h('p', { class: 'muted' }, 'This profile talks to an emulator built into the app, with a fixed credential. '
        + 'Its keys are not real and work nowhere else. To generate real keys, add a profile for your account.'),
      errors.el,
      h('div', { class: 'action-row' }, test, h('span', { class: 'spacer' }), del),
      testResult),
    focus: () => test.focus(),
  };
}
