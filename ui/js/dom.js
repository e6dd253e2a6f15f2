// Builds elements from data without ever parsing markup, so a label or a server message can only ever
// become text. The CSP forbids inline styles, so `style` is refused here too.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'readOnly', 'required',
  'htmlFor', 'tabIndex', 'min', 'max', 'type', 'name', 'placeholder', 'title']);

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'style' || key === 'innerHTML') throw new Error(`h(): "${key}" is not allowed`);
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

// A labelled form row: label above, control, optional hint below (tied by aria-describedby).
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid('f');
  const row = h('div', { class: 'field' }, h('label', { htmlFor: control.id }, labelText), control);
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: uid('hint') }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
    row.append(hintEl);
  }
  return row;
}

export function select(options, value, props = {}) {
  const el = h('select', props);
  for (const [optValue, text] of options) el.append(h('option', { value: optValue }, text));
  if (value != null) el.value = value;
  return el;
}

export function checkbox(labelText, checked, props = {}) {
  const input = h('input', { type: 'checkbox', checked, ...props });
  return { input, el: h('label', { class: 'check' }, input, h('span', {}, labelText)) };
}

// Keeps a button from firing twice: marked busy until the work settles. aria-disabled rather than
// disabled, so keyboard focus stays on the button instead of falling back to the page.
export async function busy(button, busyText, work) {
  if (button.disabled || button.getAttribute('aria-disabled') === 'true') return undefined;
  const content = [...button.childNodes];
  const width = button.offsetWidth;
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  if (width) button.style.minWidth = `${width}px`;
  if (busyText) button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.removeAttribute('aria-disabled');
    button.removeAttribute('aria-busy');
    if (busyText) button.replaceChildren(...content);
  }
}
