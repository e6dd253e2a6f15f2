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
