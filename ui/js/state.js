// What the window remembers between views: the backend's app_state, and the work on the main screen
// (chosen merchant, last result, batch) so going to settings and back loses nothing.
export const session = {
  app: null,            // app_state: { profiles, activeProfile, settings, keychainName, version }
  selectedMid: null,
  batchMode: false,
  mode: 'key',          // main screen: 'key' (secret key) or 'codes' (device activation codes)
  codes: null,          // see activation.js
  lastResult: null,     // { profile, key } or { profile, failure } from the last single generate
  batch: null,          // see batch.js
  settingsProfile: null, // the profile open in settings ('' for a new one)
};

export function profiles() {
  return (session.app && session.app.profiles) || [];
}

// activeProfile may arrive as a name or as a ProfileView; either way fall back to the first profile.
export function activeProfile() {
  const list = profiles();
  const active = session.app && session.app.activeProfile;
  const name = active && typeof active === 'object' ? active.name : active;
  return list.find((p) => p.name === name) || list[0] || null;
}

export function profileByName(name) {
  return profiles().find((p) => p.name === name) || null;
}

export function settings() {
  return (session.app && session.app.settings) || {};
}

export function keychainName() {
  return (session.app && session.app.keychainName) || 'the system keychain';
}

export function merchantLabel(profile, mid) {
  const m = profile && (profile.merchants || []).find((x) => x.mid === mid);
  return (m && m.label) || '';
}

// Commands that change a profile answer with its new ProfileView; keep the session in step without a
// full app_state round trip.
export function replaceProfile(view, oldName = view.name) {
  if (!session.app) return;
  const list = profiles();
  const i = list.findIndex((p) => p.name === oldName);
  if (i >= 0) list[i] = view; else list.push(view);
}
