// A modal question. <dialog> gives focus trapping and Escape-to-cancel for free.
import { h } from './dom.js';

export function isDialogOpen() {
  return Boolean(document.querySelector('dialog[open]'));
}

export function confirmDialog({ title, message, okText = 'OK', cancelText = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: danger ? 'danger' : 'primary', testid: 'confirm-ok' }, okText);
    const cancel = h('button', { type: 'button', testid: 'confirm-cancel' }, cancelText);
    const titleEl = h('h2', { class: 'dialog-title', id: 'confirm-title' }, title);
    const body = h('p', { class: 'dialog-body', id: 'confirm-body' }, message);
    const dialog = h('dialog', {
      class: 'dialog', testid: 'confirm-dialog',
      'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body',
    }, titleEl, body, h('div', { class: 'dialog-actions' }, cancel, ok));

    const returnTo = document.activeElement;
    let done = false;
    // Settled straight from the buttons and Escape: the 'close' event comes later, in a separate task,
    // and only serves as a fallback here.
    const finish = (answer) => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (returnTo && returnTo.isConnected && typeof returnTo.focus === 'function') returnTo.focus();
      resolve(answer);
    };
    ok.addEventListener('click', () => finish(true));
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
    dialog.addEventListener('close', () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
    // The safe answer has focus, so a reflexive Enter does not delete or quit.
    cancel.focus();
  });
}
