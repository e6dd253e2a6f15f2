// First run, no profile yet: try the offline demo, or connect a Business Center account.
import * as api from './api.js';
import { h, busy } from './dom.js';
import { errorSlot } from './errors.js';
import { icon } from './icons.js';
import { credentialSteps, deviceKinds } from './help.js';

export function mount(root, ctx) {
  const errors = errorSlot();
  const demo = h('button', { type: 'button', class: 'choice', testid: 'welcome-try-demo' },
    h('span', { class: 'choice-title' }, 'Try the demo'),
    h('span', { class: 'choice-text' }, 'Offline, no account needed: a built-in emulator with sample merchants.'));
  const connect = h('button', { type: 'button', class: 'choice', testid: 'welcome-connect' },
    h('span', { class: 'choice-title' }, 'Connect my account'),
    h('span', { class: 'choice-text' }, 'Use a REST shared secret key from the Business Center.'));

  demo.addEventListener('click', () => busy(demo, null, async () => {
    errors.clear();
    try {
      await api.demoProfileCreate();
      await ctx.refresh();
      ctx.go('main');
    } catch (e) {
      errors.show(e);
    }
  }));
  connect.addEventListener('click', () => ctx.go('settings', { newProfile: true }));

  const view = h('section', { class: 'view welcome', 'aria-labelledby': 'welcome-title' },
    h('div', { class: 'welcome-head' },
      icon('key', 'welcome-icon'),
      h('div', {},
        h('h1', { id: 'welcome-title', tabindex: '-1' }, 'Welcome'),
        h('p', { class: 'lead' }, 'Generate the mposUi “Acceptance Devices Secret Key”, or device activation codes, for each merchant in one click.'))),
    h('div', { class: 'choices' }, demo, connect),
    errors.el,
    h('section', { class: 'howto', 'aria-labelledby': 'devices-title' },
      h('h2', { id: 'devices-title' }, 'Secret key or activation code?'),
      deviceKinds()),
    h('section', { class: 'howto', 'aria-labelledby': 'howto-title' },
      h('h2', { id: 'howto-title' }, 'Where your credential comes from'),
      credentialSteps()));
  root.append(view);
  return { focus: () => demo.focus() };
}
