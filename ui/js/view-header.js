// The top of a secondary view: a Back button (Escape does the same) and the view's title.
import { h } from './dom.js';
import { icon } from './icons.js';

export function viewHeader(title, titleId, ctx) {
  return h('div', { class: 'view-header' },
    h('button', {
      type: 'button', class: 'icon-button back', 'aria-label': 'Back (Escape)', title: 'Back (Escape)',
      testid: 'back-button', onclick: () => ctx.back(),
    }, icon('back')),
    h('h1', { id: titleId, tabindex: '-1' }, title));
}
