// Search options and results: the match-mode toggle (substring / words) and
// the relevance sort next to the search box, highlights drawn from the
// API's match.marks, and the suggestions of an empty search as chips.
import { h, replace } from './dom.js';
import { relevanceAllowed } from './urlstate.js';

// Markdown emphasis the snippets of raw message text may hold: hidden unless searched for.
const EMPHASIS = ['**', '__', '`'];

// Text with the code point ranges marks ([[start, end], ...], end exclusive)
// as <mark> nodes; with strip, Markdown emphasis marks are left out (the
// ranges still count them). Returns strings and nodes for h().
export function markedText(text, marks, strip = false) {
  const chars = Array.from(text);
  const marked = new Array(chars.length).fill(false);
  for (const [start, end] of marks || []) for (let i = Math.max(0, start); i < Math.min(end, chars.length); i += 1) marked[i] = true;
  const runs = [];
  for (let i = 0; i < chars.length;) {
    const token = strip && EMPHASIS.find((e) => chars.slice(i, i + e.length).join('') === e);
    if (token) { i += token.length; continue; }
    const last = runs[runs.length - 1];
    if (last && last.marked === marked[i]) last.text += chars[i];
    else runs.push({ text: chars[i], marked: marked[i] });
    i += 1;
  }
  return runs.map((r) => (r.marked ? h('mark', {}, r.text) : r.text));
}

// "Did you mean" chips for the suggestions of an empty search; onPick(text) searches for one.
export function suggestionChips(suggestions, onPick) {
  if (!suggestions || !suggestions.length) return null;
  const label = { agent: 'agent', session: 'session id', word: 'word' };
  return h('div', { class: 'suggestions' }, h('span', { class: 'suggestions-label' }, 'Did you mean'),
    suggestions.map((s) => h('button', { type: 'button', class: 'chip suggestion', dataset: { kind: s.kind, text: s.text },
      title: `Search for this ${label[s.kind] || s.kind}`, onclick: () => onPick(s.text) }, s.text)));
}

export class SearchOptions {
  // root: the element beside the search box; callbacks: getState(), onChange({push}).
  constructor(root, callbacks) {
    this.root = root;
    this.cb = callbacks;
    this.modes = [['substring', 'Substring', 'Find the text anywhere, as typed'],
      ['words', 'Words', 'Find words in any form ("refunds" finds "refund"); "quoted phrases", or, -word']]
      .map(([mode, label, title]) => h('button', { type: 'button', class: 'segment', dataset: { match: mode }, title,
        'aria-pressed': 'false', onclick: () => this.setMode(mode) }, label));
    this.relevance = h('button', { type: 'button', class: 'btn relevance-sort', 'aria-pressed': 'false', hidden: true,
      title: 'Most relevant first', onclick: () => this.sortByRelevance() }, 'Relevance');
    replace(root, h('div', { class: 'segmented', role: 'group', 'aria-label': 'Match mode' }, this.modes), this.relevance);
  }

  // Reflect the state: the pressed mode, and the relevance button when it applies.
  render() {
    const state = this.cb.getState();
    for (const b of this.modes) b.setAttribute('aria-pressed', String(b.dataset.match === state.match));
    this.relevance.hidden = !relevanceAllowed(state);
    this.relevance.setAttribute('aria-pressed', String(state.sort === 'relevance'));
  }

  // Switch the match mode (a search running is redone).
  setMode(mode) {
    const state = this.cb.getState();
    if (state.match === mode) return;
    state.match = mode;
    this.cb.onChange({ push: true });
  }

  // Sort the results by relevance (most relevant first).
  sortByRelevance() {
    const state = this.cb.getState();
    if (state.sort === 'relevance') return;
    state.sort = 'relevance';
    state.order = 'desc';
    this.cb.onChange({ push: true });
  }
}
