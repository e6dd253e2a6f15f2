// One profile: where keys are generated and with which REST credential. The shared secret is write-only:
// it leaves this window once, in profile_save, and is never shown or sent back.
import * as api from './api.js';
import { h, busy, checkbox, field, select } from './dom.js';
import { confirmDialog } from './dialog.js';
import { errorSlot } from './errors.js';
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

export function profileForm(profile, { onSaved, onDeleted }) {
  if (profile && profile.isDemo) return demoCard(profile, { onDeleted });

  const isNew = !profile;
  const envToken = profile ? profile.environment : 'test';
  const errors = errorSlot();
  const name = h('input', { type: 'text', value: profile ? profile.name : '', required: true, autocomplete: 'off', testid: 'settings-profile-name' });
  const env = select(ENVIRONMENTS, NAMED.has(envToken) ? envToken : 'custom', { testid: 'settings-environment' });
  const url = h('input', { type: 'url', class: 'mono', value: NAMED.has(envToken) ? '' : envToken, placeholder: 'https://gateway.example.com', testid: 'settings-custom-url' });
  const urlField = field('Gateway URL', url, 'https:// anywhere, or http:// only to this computer (localhost).');
  const keyId = h('input', { type: 'text', class: 'mono', value: profile ? profile.keyId || '' : '', autocomplete: 'off', spellcheck: 'false', testid: 'settings-key-id' });
  const org = h('input', { type: 'text', class: 'mono', value: profile ? profile.organizationId || '' : '', autocomplete: 'off', spellcheck: 'false', testid: 'settings-org-id' });
  const meta = checkbox('This is a meta key (created for a portfolio or account)', Boolean(profile && profile.metaKey), { testid: 'settings-meta-key' });
  const secret = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false', testid: 'settings-secret' });
  const secretField = field('Shared secret', secret, 'Paste it from the Business Center. It goes straight to the keychain.');
  const secretSlot = h('div');

  const showUrl = () => { urlField.hidden = env.value !== 'custom'; };
  env.addEventListener('change', showUrl);
  showUrl();

  function showSecretState() {
    if (profile && profile.secretStored) {
      const replace = h('button', { type: 'button', class: 'link', testid: 'settings-replace-secret' }, 'Replace secret');
      replace.addEventListener('click', () => {
        secretSlot.replaceChildren(secretField);
        secret.focus();
      });
      secretSlot.replaceChildren(h('div', { class: 'field' },
        h('span', { class: 'field-label' }, 'Shared secret'),
        h('p', { class: 'stored-secret' },
          h('span', { class: 'ok-text', testid: 'settings-secret-stored' }, icon('check'), `Stored in ${keychainName()}`),
          replace)));
    } else {
      secretSlot.replaceChildren(secretField);
    }
  }
  showSecretState();

  const snapshot = () => JSON.stringify([name.value, env.value, url.value, keyId.value, org.value, meta.input.checked]);
  const saved = snapshot();
  const isDirty = () => isNew || snapshot() !== saved || secret.value !== '';

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
    if (!keyId.value.trim()) return problem('Enter the key id from the Business Center.', keyId);
    if (meta.input.checked && !org.value.trim()) return problem('A meta key needs the portfolio or account id it was created for.', org);
    const needsSecret = !profile || !profile.secretStored;
    if (needsSecret && !secret.value) return problem('Paste the shared secret. The Business Center showed it once, next to the key id.', secret);
    return false;
  }

  // Resolves to the saved ProfileView, or null when the form is not valid or the save failed.
  async function save() {
    errors.clear();
    if (invalid()) return null;
    const input = {
      name: name.value.trim(),
      environment: env.value === 'custom' ? url.value.trim() : env.value,
      keyId: keyId.value.trim(),
      metaKey: meta.input.checked,
    };
    if (profile) input.originalName = profile.name;
    if (org.value.trim()) input.organizationId = org.value.trim();
    if (secret.value) input.secret = secret.value;
    try {
      const view = await api.profileSave(input);
      secret.value = '';
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
    field('Key id', keyId, 'The REST shared secret key’s id, a UUID.'),
    field('Organization id', org, 'The MID that owns the key, or the portfolio or account id of a meta key. '
      + 'May stay empty for a merchant’s own key when you generate for one merchant at a time.'),
    meta.el,
    secretSlot,
    errors.el,
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
      testResult.replaceChildren(h('p', { class: 'ok-text' }, icon('check'), (res && res.message) || 'Connected.'));
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
