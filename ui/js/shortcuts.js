// Window-wide keys: Escape goes back, Ctrl/Cmd+G generates, Ctrl/Cmd+S downloads, Ctrl/Cmd+C on a
// focused value (or activation code) copies it through the backend (so the masked secret copies as the real one, and no
// secret passes through the webview's clipboard).
import { isDialogOpen } from './dialog.js';
import { copyField } from './keys.js';
import { errorBlock } from './errors.js';

export function installShortcuts(getView, back) {
  document.addEventListener('keydown', (e) => {
    if (isDialogOpen()) return; // <dialog> handles its own Escape and traps focus
    const mod = e.ctrlKey || e.metaKey;
    if (e.key === 'Escape' && !mod && !e.defaultPrevented) {
      back();
      return;
    }
    if (!mod || e.altKey || e.shiftKey) return;
    const key = e.key.toLowerCase();
    const view = getView();
    if (key === 'g') {
      e.preventDefault();
      if (view && view.generate) view.generate();
    } else if (key === 's') {
      e.preventDefault(); // never the webview's own "save page"
      if (view && view.download) view.download();
    } else if (key === 'c') {
      const el = document.activeElement;
      if (el && el.dataset && el.dataset.codeIndex && !hasOwnSelection(el)) {
        // An activation code: copied through the backend too, so the clipboard is cleared as usual.
        // activation.js is loaded already: it drew the code.
        e.preventDefault();
        import('./activation.js').then(({ copyCodes }) => copyCodes(el.dataset.codeBatch, el.dataset.codeMid,
          Number(el.dataset.codeIndex), (err) => showNear(el, err)));
        return;
      }
      if (!el || !el.dataset || !el.dataset.copyField || hasOwnSelection(el)) return;
      e.preventDefault();
      copyField(el.dataset.keyId, el.dataset.copyField, (err) => showNear(el, err));
    }
  });
}

// A user who selected part of a visible value gets the browser's own copy of that part.
function hasOwnSelection(el) {
  if (el.dataset.copyField === 'secret') return false;
  const sel = window.getSelection();
  return Boolean(sel && !sel.isCollapsed && el.contains(sel.anchorNode));
}

function showNear(el, err) {
  const host = el.closest('dd, td, li') || el.parentElement;
  const old = host.querySelector(':scope > .error');
  if (old) old.remove();
  host.append(errorBlock(err, { compact: true }));
}
