// Where a REST credential comes from, in the Business Center's own words. Shown on the welcome screen
// and beside the profile form.
import { h } from './dom.js';
import { keychainName } from './state.js';

export function credentialSteps() {
  return h('ol', { class: 'steps' },
    h('li', {}, 'In the Business Center, open ', h('strong', {}, 'Payment Configuration > Key Management'), '.'),
    h('li', {}, 'Choose ', h('strong', {}, 'Generate Key'), ', then ', h('strong', {}, '“REST – Shared Secret”'), '.'),
    h('li', {}, 'Create it for the merchant, or for the portfolio or account: that is a ',
      h('em', {}, 'meta key'), ', which works for all of its merchants.'),
    h('li', {}, 'Copy the key id and the shared secret. The Business Center shows the secret only once, so paste it here '
      + `right away. This app keeps it in ${keychainName()}, never in a file, and never shows it again.`));
}

// Which devices take a merchant secret and which take an activation code, for the welcome screen's help.
export function deviceKinds() {
  return h('ul', { class: 'steps', testid: 'welcome-device-kinds' },
    h('li', {}, h('strong', {}, 'mposUi on Android'), ' needs the merchant id and a ', h('strong', {}, 'secret key'),
      ': choose “Secret key” on the main screen.'),
    h('li', {}, 'Devices with the ', h('strong', {}, 'Acceptance Devices app'), ' (PAX terminals, Android tap-to-phone) '
      + 'and iPhones with the ', h('strong', {}, 'iOS Tap to Pay SDK'), ' are activated with a one-time ',
      h('strong', {}, 'activation code'), ': choose “Activation codes”. Each code works once, for about 24 hours, '
      + 'so no secret leaves your office.'));
}
