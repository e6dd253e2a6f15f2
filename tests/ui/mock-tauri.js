// A stand-in for the Tauri backend, for looking at and poking the UI in a plain browser. It answers the
// command table of docs/ARCHITECTURE.md from memory. Query parameters:
//   state=empty|demo|two|cert  no profile / the demo profile / demo + a real-looking test profile /
//                          demo + a REST certificate profile whose certificate expires soon (default demo)
//   theme=system|light|dark  settings.theme at start
//   delay=MS               how long generate_keys takes (default 400)
//   nokeychain=1           keys come back unstored, with a storageWarning
// window.__mock exposes calls (every invoke), emit(event, payload), quit, csp (violations seen) and misused
// (event listeners added or removed wrongly).
(function () {
  const params = new URLSearchParams(window.location.search);
  const stateParam = params.get('state') || 'demo';
  const delay = Number(params.get('delay') || 400);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const clone = (x) => JSON.parse(JSON.stringify(x));
  const fail = (code, message, detail = '') => Promise.reject({ code, message, detail });

  const demoProfile = () => ({
    name: 'Demo (offline)', environment: 'demo', environmentLabel: 'Demo (offline)', providerMode: 'TEST',
    authType: 'sharedSecret', keyId: '08c7a6a4-3c34-4d0e-9d4b-6f6f6d6f0001', organizationId: 'demo_portfolio',
    metaKey: false, secretStored: true, isDemo: true,
    merchants: [
      { mid: 'demo_store_001', label: 'Demo shop, Berlin' },
      { mid: 'demo_store_002', label: 'Demo shop, Munich' },
      { mid: 'demo_kiosk_17', label: 'Demo kiosk at the station' },
      { mid: 'unknown_demo_mid', label: 'Demo: a merchant Cybersource refuses' },
    ],
  });
  const acmeProfile = () => ({
    name: 'Acme test', environment: 'test', environmentLabel: 'Cybersource test', providerMode: 'TEST',
    authType: 'sharedSecret', keyId: 'af922a42-7d5c-4e10-9c4b-09d908647de4', organizationId: 'acme_portfolio',
    metaKey: true, secretStored: true, isDemo: false,
    merchants: [
      { mid: 'acme_store_042', label: 'Shop A' },
      { mid: 'acme_store_043', label: 'Shop B, airport' },
      { mid: 'acme_popup_7', label: '' },
    ],
  });

  // A .p12 whose name says "expiring" holds a certificate that expires in 12 days.
  const P12_PATH = '/home/it/Downloads/acme_mid-expiring.p12';
  const expiryWarnings = (p) => (p.authType === 'certificate' && /expiring/.test(p.p12Path || '')
    ? ['The REST certificate for acme_mid expires on 2025-07-01 (in 12 days). Create a new one in the Business Center '
      + '(Payment Configuration > Key Management) before then, and choose its .p12 file in this profile.']
    : []);
  const certProfile = () => ({
    name: 'Acme certificate', environment: 'test', environmentLabel: 'Cybersource test', providerMode: 'TEST',
    authType: 'certificate', keyId: null, p12Path: P12_PATH, keyAlias: null, organizationId: 'acme_mid',
    metaKey: false, secretStored: true, isDemo: false,
    merchants: [{ mid: 'acme_mid', label: 'Acme flagship' }],
  });

  const db = {
    profiles: stateParam === 'empty' ? [] : stateParam === 'two' ? [acmeProfile(), demoProfile()]
      : stateParam === 'cert' ? [certProfile(), demoProfile()] : [demoProfile()],
    active: null,
    settings: { theme: params.get('theme') || 'system', clipboardClearSecs: 60, proxy: { mode: 'system' }, rememberKeys: true, lastProfile: null },
    keys: new Map(), // keyId -> { view, secret }
    codesMade: [], // history lines of codes made, oldest first (never a code)
    counter: 0,
  };
  db.active = db.profiles.length ? db.profiles[0].name : null;

  const listeners = new Map();
  const mock = { calls: [], quit: false, csp: [], misused: [], secretsReceived: 0, clipboard: null, emit, codesMade: db.codesMade };
  window.__mock = mock;
  document.addEventListener('securitypolicyviolation', (e) => mock.csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));

  function emit(event, payload) {
    for (const handler of (listeners.get(event) || new Map()).values()) handler({ event, id: 0, payload });
  }

  function profile(name) {
    const p = db.profiles.find((x) => x.name === name);
    if (!p) throw { code: 'not_found', message: `There is no profile named “${name}”.`, detail: '' };
    return p;
  }

  function hex(n, len) { return n.toString(16).padStart(len, '0').slice(-len); }

  function newKey(p, mid) {
    db.counter += 1;
    const n = db.counter;
    const now = new Date();
    const expires = new Date(now);
    expires.setFullYear(now.getFullYear() + 9);
    const view = {
      keyId: `${hex(0xaf922a42 + n, 8)}-b5c1-4b1e-8f0a-${hex(0x09d908647de4 + n, 12)}`,
      cybersourceMerchantId: mid,
      merchantId: `7ae12796-dea9-514e-b859-${hex(0x18b7f4a4c618 + n * 7919, 12)}`,
      status: 'ACTIVE',
      expirationDate: expires.toISOString(),
      providerMode: p.providerMode,
      profile: p.name,
      stored: db.settings.rememberKeys && !params.get('nokeychain'),
      exported: false,
      generatedAt: now.toISOString(),
      exportedAt: null,
      environment: p.environment,
    };
    db.keys.set(view.keyId, { view, secret: `Zm9vYmFyLXNlY3JldC0${n}dGVzdC1rZXktbW9jaw==` });
    return view;
  }

  const commands = {
    app_ready: () => null,
    app_state: () => ({
      profiles: clone(db.profiles), activeProfile: db.active, settings: clone(db.settings),
      keychainName: 'GNOME Keyring', version: '0.1.0',
    }),
    profile_save: ({ input }) => {
      if (!input.name) return fail('invalid_input', 'Give the profile a name.');
      if (input.secret) mock.secretsReceived += 1;
      const existing = input.originalName ? profile(input.originalName) : null;
      if (!existing && db.profiles.some((p) => p.name === input.name)) {
        return fail('duplicate', `A profile named “${input.name}” already exists. Choose another name.`);
      }
      if (!existing && !input.secret) return fail('invalid_input', 'Paste the shared secret.');
      const certificate = input.authType === 'certificate';
      if (certificate && !input.p12Path) return fail('invalid_input', 'Choose the .p12 file downloaded from the Business Center.');
      if (certificate && input.secret === 'wrong') {
        return fail('invalid_input', 'The .p12 password is wrong. Enter the password set when the certificate was created.');
      }
      const named = { test: 'Cybersource test', production: 'Cybersource production', 'visa-test': 'Visa Acceptance test', 'visa-production': 'Visa Acceptance production' };
      if (!named[input.environment] && !/^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1)/.test(input.environment)) {
        return fail('invalid_input', `Plain http:// is only allowed to this computer. Use https://.`);
      }
      const view = {
        ...(existing || { merchants: [], isDemo: false, authType: 'sharedSecret' }),
        name: input.name, environment: input.environment,
        environmentLabel: named[input.environment] || `Custom: ${input.environment}`,
        providerMode: /production/.test(input.environment) ? 'LIVE' : 'TEST',
        authType: certificate ? 'certificate' : 'sharedSecret',
        keyId: certificate ? null : input.keyId, p12Path: certificate ? input.p12Path : null,
        keyAlias: certificate ? input.keyAlias || null : null,
        organizationId: input.organizationId || null, metaKey: input.metaKey,
        secretStored: Boolean((existing && existing.secretStored) || input.secret),
      };
      if (existing) db.profiles[db.profiles.indexOf(existing)] = view; else db.profiles.push(view);
      if (!db.active || db.active === input.originalName) db.active = view.name;
      return { ...clone(view), warnings: expiryWarnings(view) };
    },
    // The file is chosen in Rust; only its path comes back (p12=cancel: the user closes the dialog).
    pick_p12_file: () => (params.get('p12') === 'cancel' ? { cancelled: true, path: null } : { cancelled: false, path: P12_PATH }),
    certificate_aliases: ({ path, password }) => {
      if (password === 'wrong') return fail('invalid_input', 'The .p12 password is wrong.');
      return path ? ['acme_mid'] : fail('invalid_input', 'Choose the .p12 file.');
    },
    profile_delete: ({ name }) => {
      db.profiles = db.profiles.filter((p) => p.name !== name);
      if (db.active === name) db.active = db.profiles.length ? db.profiles[0].name : null;
    },
    profile_test: async ({ name }) => {
      const p = profile(name);
      await sleep(delay);
      if (p.isDemo) return { message: 'The offline demo answered and accepted the credential.', warnings: [] };
      if (/bad/i.test(p.keyId)) {
        return fail('auth_refused', 'Cybersource refused the credential. Check the key id and shared secret, and that the key is a REST shared secret.',
          'HTTP 401\n{"response":{"rmsg":"Authentication Failed"}}');
      }
      return { message: `Cybersource accepted the credential (${p.environmentLabel}).`, warnings: expiryWarnings(p) };
    },
    profile_select: ({ name }) => { profile(name); db.active = name; },
    demo_profile_create: () => {
      if (!db.profiles.some((p) => p.isDemo)) db.profiles.push(demoProfile());
      db.active = 'Demo (offline)';
      return clone(profile('Demo (offline)'));
    },
    merchant_add: ({ profile: name, mid, label }) => {
      const p = profile(name);
      if (p.merchants.some((m) => m.mid === mid)) return fail('duplicate', `${mid} is already in the list.`);
      p.merchants.push({ mid, label });
      return clone(p);
    },
    merchant_update: ({ profile: name, mid, label }) => {
      const p = profile(name);
      p.merchants.find((m) => m.mid === mid).label = label;
      return clone(p);
    },
    merchant_remove: ({ profile: name, mid }) => {
      const p = profile(name);
      p.merchants = p.merchants.filter((m) => m.mid !== mid);
      return clone(p);
    },
    merchant_import_csv: ({ profile: name, onlyGood }) => {
      const p = profile(name);
      const errors = [
        { line: 3, message: '“acme store 9” is not a MID: use 1 to 30 letters, digits or underscores.' },
        { line: 7, message: 'The MID is missing.' },
      ];
      if (!onlyGood) return { cancelled: false, added: 0, skipped: 0, errors };
      for (const m of [{ mid: 'csv_store_1', label: 'From CSV 1' }, { mid: 'csv_store_2', label: 'From CSV 2' }]) {
        if (!p.merchants.some((x) => x.mid === m.mid)) p.merchants.push(m);
      }
      return { cancelled: false, added: 2, skipped: 1, errors };
    },
    generate_keys: async ({ profile: name, mids }) => {
      const p = profile(name);
      if (!mids.length) return fail('usage', 'Choose at least one merchant.');
      const keys = [];
      const failures = [];
      for (let i = 0; i < mids.length; i += 1) {
        await sleep(delay / mids.length);
        if (mids[i].startsWith('unknown')) {
          failures.push({
            cybersourceMerchantId: mids[i], code: 'merchant_refused',
            message: `Cybersource does not know the merchant ${mids[i]} under this account. Check the MID in the Business Center.`,
            detail: 'status: FAILED\nreason: INVALID_DATA\nmessage: Merchant not found',
          });
        } else {
          keys.push(newKey(p, mids[i]));
        }
        emit('generate-progress', { done: i + 1, total: mids.length });
      }
      const storageWarning = params.get('nokeychain')
        ? 'The keys could not be stored: GNOME Keyring is locked. Download or copy them now; unlock the keyring to keep keys next time.'
        : null;
      return {
        environment: p.environment, providerMode: p.providerMode, keys: clone(keys), failures, storageWarning,
        warnings: expiryWarnings(p),
      };
    },
    key_reveal: ({ keyId }) => {
      const k = db.keys.get(keyId);
      return k ? k.secret : fail('not_found', 'This key is no longer on this computer.');
    },
    copy_value: ({ keyId, field }) => {
      if (!db.keys.has(keyId)) return fail('not_found', 'This key is no longer on this computer.');
      mock.clipboard = `${field}:${keyId}`;
      return { clearsInSecs: db.settings.clipboardClearSecs || null };
    },
    export_keys: ({ keyIds, format }) => {
      const now = new Date().toISOString();
      for (const id of keyIds) {
        const k = db.keys.get(id);
        if (k) { k.view.exported = true; k.view.exportedAt = now; }
      }
      const ext = format === 'text' ? 'txt' : format;
      return { cancelled: false, path: `/home/it/Downloads/mpos-keys.${ext}` };
    },
    history_list: ({ profile: name } = {}) => clone([...db.keys.values()].map((k) => k.view)
      .filter((v) => v.stored && (!name || v.profile === name))),
    history_forget: ({ keyId }) => { db.keys.delete(keyId); },
    history_codes: ({ profile: name } = {}) => clone(db.codesMade.filter((r) => !name || r.profile === name)
      .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt))),
    settings_save: ({ settings }) => { db.settings = clone(settings); return clone(db.settings); },
    activation_codes_generate: async ({ profile: name, mids, count }) => {
      const p = profile(name);
      if (!(count >= 1 && count <= 15)) return fail('usage', 'Make from 1 to 15 codes per merchant at a time.');
      const merchants = [];
      for (let i = 0; i < mids.length; i += 1) {
        await sleep(delay / mids.length);
        const label = (p.merchants.find((m) => m.mid === mids[i]) || {}).label || '';
        if (mids[i].startsWith('unknown')) {
          merchants.push({
            cybersourceMerchantId: mids[i], label, codes: [], expiresAt: null, expiresAtMs: null,
            failure: { code: 'request_rejected', message: 'Cybersource refused the request (HTTP 403, NOT_AUTHORIZED). Check the merchant id.', detail: 'status: FORBIDDEN' },
          });
        } else {
          db.codesMade.push({
            profile: p.name, environment: p.environment, cybersourceMerchantId: mids[i], count,
            generatedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86399805).toISOString(),
          });
          const codes = Array.from({ length: count }, (_, j) => `%C${hex(i * 16 + j, 2)}x${hex(db.codes = (db.codes || 0) + 1, 3)}`);
          merchants.push({
            cybersourceMerchantId: mids[i], label, codes, failure: null,
            expiresAt: new Date(Date.now() + 86399805).toISOString(), expiresAtMs: Date.now() + 86399805,
          });
        }
        emit('generate-progress', { done: i + 1, total: mids.length });
      }
      const batchId = merchants.some((m) => m.codes.length) ? `codes-${mock.calls.length}` : null;
      return { batchId, environment: p.environment, providerMode: p.providerMode, count, merchants, warnings: [] };
    },
    activation_codes_copy: ({ batchId, mid, index }) => {
      mock.clipboard = `codes:${batchId}:${mid}:${index == null ? 'all' : index}`;
      return { clearsInSecs: db.settings.clipboardClearSecs || null };
    },
    activation_codes_export: ({ format }) => ({ cancelled: false, path: `/home/it/Downloads/activation-codes.${format === 'text' ? 'txt' : format}` }),
    activation_codes_clear: () => {},
    app_quit: () => { mock.quit = true; },
  };

  // Tauri's page internals, as api.js calls them (withGlobalTauri is off): invoke, and the event plugin's
  // listen/unlisten. As in Tauri, a listener's event id is not its callback's id, so mixing them up fails.
  const callbacks = new Map();
  let eventIds = 1000;
  window.__TAURI_INTERNALS__ = {
    transformCallback(fn) {
      const id = callbacks.size + 1;
      callbacks.set(id, fn);
      return id;
    },
    async invoke(cmd, args = {}) {
      if (cmd === 'plugin:event|listen') {
        if (!callbacks.has(args.handler)) mock.misused.push(`listen with no callback ${args.handler}`);
        const eventId = (eventIds += 1);
        if (!listeners.has(args.event)) listeners.set(args.event, new Map());
        listeners.get(args.event).set(eventId, callbacks.get(args.handler));
        return eventId;
      }
      if (cmd === 'plugin:event|unlisten') {
        if (!(listeners.get(args.event) || new Map()).delete(args.eventId)) {
          mock.misused.push(`unlisten ${args.event} ${args.eventId}: no such listener`);
        }
        return undefined;
      }
      mock.calls.push({ cmd, args: clone(args) });
      const handler = commands[cmd];
      if (!handler) throw `command ${cmd} not found`;
      return handler(args);
    },
  };
  // Tauri's own bookkeeping, which unlisten updates first; the mock keeps its listeners in `listeners`.
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener() {} };
}());
