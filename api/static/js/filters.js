// Filter chips, the Filter button's menu and the debounced search box.
// Filters combine with AND across kinds; several values of one kind match any.
import { h, replace, capitalize, debounce } from './dom.js';
import { CHANNEL_LABELS } from './icons.js';
import { STATUSES, CHANNELS } from './urlstate.js';

const KINDS = [
  { kind: 'status', label: 'Status' },
  { kind: 'channel', label: 'Channel' },
  { kind: 'agent_id', label: 'Agent' },
  { kind: 'min_rating', label: 'Min rating' },
  { kind: 'date_from', label: 'Date from' },
  { kind: 'date_to', label: 'Date to' },
];
const SEARCH_DELAY_MS = 300;

export class Filters {
  // elements: {button, menu, chips, search}; callbacks: getState(), onChange({push}), agents().
  constructor(elements, callbacks) {
    Object.assign(this, elements);
    this.cb = callbacks;
    this.button.addEventListener('click', () => (this.menu.hidden ? this.openMenu() : this.closeMenu()));
    document.addEventListener('click', (e) => {
      // composedPath() still holds menu items that a click replaced meanwhile
      const path = e.composedPath();
      if (!this.menu.hidden && !path.includes(this.menu) && !path.includes(this.button)) this.closeMenu();
    });
    this.menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') { this.closeMenu(); this.button.focus(); } });
    const search = debounce(() => {
      this.cb.getState().q = this.search.value;
      this.cb.onChange({ push: false });
    }, SEARCH_DELAY_MS);
    this.search.addEventListener('input', search);
  }

  // Human label of one filter value ("Status: Closed").
  chipLabel(kind, value) {
    switch (kind) {
      case 'status': return `Status: ${capitalize(value)}`;
      case 'channel': return `Channel: ${CHANNEL_LABELS[value] || value}`;
      case 'agent_id': {
        const agent = this.cb.agents().find((a) => String(a.id) === String(value));
        return `Agent: ${agent ? agent.name : `#${value}`}`;
      }
      case 'min_rating': return `Rating: ${value}★ and up`;
      case 'date_from': return `From: ${value}`;
      default: return `To: ${value}`;
    }
  }

  // Redraw the chips and the search box from the state.
  render() {
    const state = this.cb.getState();
    if (document.activeElement !== this.search) this.search.value = state.q;
    const chips = [];
    for (const { kind } of KINDS) {
      const value = state.filters[kind];
      const values = Array.isArray(value) ? value : value ? [value] : [];
      for (const v of values) {
        const label = this.chipLabel(kind, v);
        chips.push(h('span', { class: 'chip', dataset: { kind, value: v } }, label,
          h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove filter ${label}`, onclick: () => this.remove(kind, v) }, '×')));
      }
    }
    if (chips.length > 1) chips.push(h('button', { type: 'button', class: 'btn-link clear-filters', onclick: () => this.clearAll() }, 'Clear all'));
    replace(this.chips, chips);
    this.chips.hidden = chips.length === 0;
  }

  // Add one filter value and reload.
  add(kind, value) {
    const f = this.cb.getState().filters;
    if (Array.isArray(f[kind])) { if (!f[kind].includes(value)) f[kind].push(value); } else f[kind] = value;
    this.closeMenu();
    this.cb.onChange({ push: true });
  }

  // Remove one filter value (× on its chip) and reload.
  remove(kind, value) {
    const f = this.cb.getState().filters;
    if (Array.isArray(f[kind])) f[kind] = f[kind].filter((v) => v !== value); else f[kind] = null;
    this.cb.onChange({ push: true });
  }

  // Remove every filter and the search.
  clearAll() {
    const state = this.cb.getState();
    for (const key of Object.keys(state.filters)) state.filters[key] = Array.isArray(state.filters[key]) ? [] : null;
    state.q = '';
    this.search.value = '';
    this.cb.onChange({ push: true });
  }

  // Open the menu at its first level: the list of filter kinds.
  openMenu() {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    replace(this.menu, h('div', { class: 'menu-title' }, 'Add a filter'),
      KINDS.map(({ kind, label }) => h('button', { type: 'button', class: 'menu-item', dataset: { kind }, onclick: () => this.showValues(kind, label) }, label, h('span', { 'aria-hidden': 'true' }, '›'))));
    this.menu.querySelector('button').focus();
  }

  // Close the menu.
  closeMenu() {
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }

  // Second level of the menu: the values of one kind, or a date picker.
  showValues(kind, label) {
    const f = this.cb.getState().filters;
    const back = h('button', { type: 'button', class: 'menu-back', onclick: () => this.openMenu() }, '‹ ', label);
    let body;
    if (kind === 'date_from' || kind === 'date_to') {
      const input = h('input', { type: 'date', class: 'date-input', 'aria-label': label, value: f[kind] || '',
        min: kind === 'date_to' ? f.date_from : null, max: kind === 'date_from' ? f.date_to : null });
      const apply = () => { if (input.value) this.add(kind, input.value); };
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
      body = h('div', { class: 'menu-date' }, input, h('button', { type: 'button', class: 'btn btn-primary', onclick: apply }, 'Apply'));
    } else {
      body = this.options(kind).map(({ value, text }) => {
        const chosen = Array.isArray(f[kind]) ? f[kind].includes(value) : f[kind] === value;
        return h('button', { type: 'button', class: `menu-item${chosen ? ' chosen' : ''}`, dataset: { value }, onclick: () => this.add(kind, value) }, text, chosen ? h('span', { 'aria-hidden': 'true' }, '✓') : null);
      });
      if (!body.length) body = h('p', { class: 'menu-empty' }, 'No agents yet');
    }
    replace(this.menu, back, body);
    (this.menu.querySelector('input, .menu-item') || back).focus();
  }

  // The selectable values of a kind.
  options(kind) {
    switch (kind) {
      case 'status': return STATUSES.map((s) => ({ value: s, text: capitalize(s) }));
      case 'channel': return CHANNELS.map((c) => ({ value: c, text: CHANNEL_LABELS[c] }));
      case 'agent_id': return this.cb.agents().map((a) => ({ value: String(a.id), text: a.company ? `${a.name} · ${a.company}` : a.name }));
      default: return [1, 2, 3, 4, 5].map((n) => ({ value: String(n), text: n === 5 ? '5★ only' : `${n}★ and up` }));
    }
  }
}
