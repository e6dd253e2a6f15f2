// The only door to the Rust side. Every other module calls these functions, so the command table in
// docs/ARCHITECTURE.md ("Tauri commands") maps one to one onto this file.

export class ApiError extends Error {
  constructor(code, message, detail) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

// Commands reject with {code, message, detail}; a panic, a missing command or the plain browser reject
// with a bare string or an Error. Views only ever see the one shape.
function normalise(e) {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    return new ApiError(String(e.code || 'error'), e.message || 'Something went wrong.', String(e.detail || ''));
  }
  if (typeof e === 'string' && e) return new ApiError('error', e, '');
  return new ApiError('error', 'Something went wrong.', e == null ? '' : String(e));
}

// Tauri's page internals, called the way @tauri-apps/api calls them (core.invoke, event.listen). So the
// page needs no `withGlobalTauri`: that bundle is 41 KB of script, parsed before the first screen.
function internals() {
  const t = window.__TAURI_INTERNALS__;
  if (!t || !t.invoke || !t.transformCallback) {
    throw new ApiError('no_backend', 'This window only works inside the mPOS Key Generator app.', '');
  }
  return t;
}

async function call(command, args) {
  try {
    return await internals().invoke(command, args);
  } catch (e) {
    throw normalise(e);
  }
}

// Resolves to a function that stops listening.
export async function listen(event, handler) {
  try {
    const t = internals();
    const eventId = await t.invoke('plugin:event|listen', {
      event, target: { kind: 'Any' }, handler: t.transformCallback((e) => handler(e.payload)),
    });
    return async () => {
      window.__TAURI_EVENT_PLUGIN_INTERNALS__.unregisterListener(event, eventId);
      await t.invoke('plugin:event|unlisten', { event, eventId });
    };
  } catch (e) {
    throw normalise(e);
  }
}

export const appState = () => call('app_state');
export const profileSave = (input) => call('profile_save', { input });
export const profileDelete = (name) => call('profile_delete', { name });
export const profileTest = (name) => call('profile_test', { name });
export const profileSelect = (name) => call('profile_select', { name });
export const demoProfileCreate = () => call('demo_profile_create');
export const pickP12File = () => call('pick_p12_file');
export const certificateAliases = (path, password) => call('certificate_aliases', { path, password });
export const merchantAdd = (profile, mid, label) => call('merchant_add', { profile, mid, label });
export const merchantUpdate = (profile, mid, label) => call('merchant_update', { profile, mid, label });
export const merchantRemove = (profile, mid) => call('merchant_remove', { profile, mid });
export const merchantImportCsv = (profile, onlyGood) => call('merchant_import_csv', { profile, onlyGood });
export const generateKeys = (profile, mids) => call('generate_keys', { profile, mids });
export const keyReveal = (keyId) => call('key_reveal', { keyId });
export const copyValue = (keyId, field) => call('copy_value', { keyId, field });
export const exportKeys = (keyIds, format) => call('export_keys', { keyIds, format });
export const historyList = (profile) => call('history_list', profile ? { profile } : {});
export const historyForget = (keyId) => call('history_forget', { keyId });
export const historyCodes = (profile) => call('history_codes', profile ? { profile } : {});
export const keysStatus = (keyIds) => call('keys_status', { keyIds });
export const keysDelete = (keyIds) => call('keys_delete', { keyIds });
export const keysReplace = (keyIds) => call('keys_replace', { keyIds });
export const settingsSave = (settings) => call('settings_save', { settings });
export const activationCodesGenerate = (profile, mids, count) => call('activation_codes_generate', { profile, mids, count });
export const activationCodesCopy = (batchId, mid, index) => call('activation_codes_copy', index == null ? { batchId, mid } : { batchId, mid, index });
export const activationCodesExport = (batchId, format) => call('activation_codes_export', { batchId, format });
export const activationCodesClear = (batchId) => call('activation_codes_clear', { batchId });
export const appQuit = () => call('app_quit');
export const appReady = () => call('app_ready');

export const EVENTS = {
  progress: 'generate-progress',
  closeRequested: 'close-requested-with-unsaved-keys',
  statusProgress: 'key-status-progress',
};
