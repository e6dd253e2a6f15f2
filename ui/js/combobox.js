// A searchable merchant picker after the WAI-ARIA 1.2 "combobox with listbox popup" pattern: focus stays
// in the input, the highlighted option is announced through aria-activedescendant.
import { h, uid } from './dom.js';
import { icon } from './icons.js';

export function merchantCombobox({ merchants, selectedMid, onSelect }) {
  const listId = uid('merchants');
  const input = h('input', {
    id: uid('merchant'), type: 'text', class: 'combo-input', role: 'combobox',
    autocomplete: 'off', spellcheck: 'false', placeholder: 'Search by name or MID',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId,
    testid: 'merchant-combobox',
  });
  const midHint = h('span', { class: 'combo-mid mono', 'aria-hidden': 'true' });
  const toggle = h('button', {
    type: 'button', class: 'combo-toggle', tabindex: '-1', 'aria-label': 'Show all merchants',
    testid: 'merchant-combobox-toggle',
  }, icon('chevronDown'));
  const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', hidden: true, 'aria-label': 'Merchants' });
  const el = h('div', { class: 'combo' }, h('div', { class: 'combo-field' }, input, midHint, toggle), list);

  const items = merchants;
  let selected = items.find((m) => m.mid === selectedMid) || null;
  let shown = [];
  let active = -1;

  const labelOf = (m) => m.label || m.mid;

  function showSelected() {
    input.value = selected ? labelOf(selected) : '';
    midHint.textContent = selected && selected.label ? selected.mid : '';
    midHint.hidden = !midHint.textContent;
  }

  function render() {
    list.replaceChildren();
    shown.forEach((m, i) => {
      const option = h('li', {
        id: `${listId}-${i}`, role: 'option', class: 'combo-option',
        'aria-selected': String(i === active), testid: 'merchant-option', dataset: { mid: m.mid },
      }, h('span', { class: 'combo-option-label' }, labelOf(m)),
      m.label ? h('span', { class: 'combo-option-mid mono' }, m.mid) : null);
      if (selected && m.mid === selected.mid) option.classList.add('is-current');
      // mousedown would blur the input and close the list before the click lands.
      option.addEventListener('mousedown', (e) => e.preventDefault());
      option.addEventListener('click', () => choose(m));
      list.append(option);
    });
    if (!shown.length) {
      list.append(h('li', { class: 'combo-empty', role: 'presentation' }, `No merchant matches “${input.value.trim()}”.`));
    }
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${active}`);
      const node = list.children[active];
      if (node && node.scrollIntoView) node.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function filter(query) {
    const q = query.trim().toLowerCase();
    return q ? items.filter((m) => m.mid.toLowerCase().includes(q) || (m.label || '').toLowerCase().includes(q)) : items;
  }

  function open(query) {
    shown = filter(query);
    const current = selected ? shown.findIndex((m) => m.mid === selected.mid) : -1;
    active = current >= 0 ? current : (shown.length ? 0 : -1);
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    midHint.hidden = true;
    render();
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function choose(m) {
    selected = m;
    close();
    showSelected();
    input.focus();
    arm();
    onSelect(m.mid);
  }

  function move(step) {
    if (list.hidden) { open(isSearching() ? input.value : ''); return; }
    if (!shown.length) return;
    active = (active + step + shown.length) % shown.length;
    render();
  }

  // While the input still shows the chosen merchant, opening lists everyone rather than filtering by it.
  function isSearching() {
    return !selected || input.value !== labelOf(selected);
  }

  input.addEventListener('input', () => open(input.value));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); move(1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); }
    else if (e.key === 'Home' && !list.hidden) { e.preventDefault(); active = 0; render(); }
    else if (e.key === 'End' && !list.hidden) { e.preventDefault(); active = shown.length - 1; render(); }
    else if (e.key === 'Enter' && !list.hidden) {
      e.preventDefault();
      if (active >= 0 && shown[active]) choose(shown[active]);
    } else if (e.key === 'Escape' && (!list.hidden || isSearching())) {
      // Only this widget handles this Escape; it must not also leave the screen.
      e.preventDefault();
      e.stopPropagation();
      close();
      showSelected();
    }
  });
  input.addEventListener('blur', () => { close(); showSelected(); replaceOnType = false; });
  // As native pickers do: while the input shows the chosen merchant, focusing or clicking selects its text
  // and the first character typed replaces it ("Alpha Store" + typing "Beta" searches "Beta", not
  // "Alpha StoreBeta"). The selection alone is not enough: a click or WebDriver may move the caret to the end.
  let replaceOnType = false;
  const arm = () => {
    replaceOnType = !isSearching();
    if (replaceOnType) input.select();
  };
  input.addEventListener('focus', arm);
  input.addEventListener('beforeinput', (e) => {
    const kind = String(e.inputType || '');
    if (replaceOnType && kind === 'insertText' && e.data) {
      // Typed text replaces the shown merchant (changing the value here would lose WebKit's insertion).
      e.preventDefault();
      input.value = e.data;
      input.setSelectionRange(input.value.length, input.value.length);
      open(input.value);
    } else if (replaceOnType && kind.startsWith('insert')) {
      input.select(); // a paste or drop replaces the selection
    }
    replaceOnType = false;
  });
  input.addEventListener('keydown', (e) => {
    // Moving the caret means the user edits the text rather than replacing it.
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key) && list.hidden) replaceOnType = false;
  });
  input.addEventListener('click', () => {
    arm();
    if (list.hidden) open(isSearching() ? input.value : '');
  });
  toggle.addEventListener('mousedown', (e) => e.preventDefault());
  toggle.addEventListener('click', () => {
    if (list.hidden) { input.focus(); open(''); } else { close(); showSelected(); }
  });

  showSelected();
  return { el, input };
}
