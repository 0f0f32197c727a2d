// The conversations table: sortable headers, rows, keyset paging with
// "load more" and infinite scroll, and its loading/empty/error states.
import { api, describeError } from './api.js';
import { h, replace, formatDateTime, capitalize, stars, flash } from './dom.js';
import { channelIcon, icon, CHANNEL_LABELS } from './icons.js';
import { listParams, isFiltered } from './urlstate.js';
import { markedText, suggestionChips } from './search.js';

const PAGE_SIZE = 50;
const MAX_LIMIT = 200; // the list route's largest page
const COLUMNS = [
  { key: 'agent', label: 'Agent', sort: 'agent' },
  { key: 'session', label: 'Session' },
  { key: 'channel', label: 'Channel' },
  { key: 'status', label: 'Status', sort: 'status' },
  { key: 'messages', label: 'Messages', sort: 'messages', numeric: true },
  { key: 'rating', label: 'Rating', sort: 'rating' },
  { key: 'date', label: 'Date', sort: 'date' },
  { key: 'actions', label: 'Actions', hidden: true },
];

// Highlight the query inside a snippet, building text and <mark> nodes only.
function highlight(text, query) {
  const q = query.trim().toLowerCase();
  if (!q) return [text];
  const parts = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(q); at !== -1; at = lower.indexOf(q, from)) {
    parts.push(text.slice(from, at), h('mark', {}, text.slice(at, at + q.length)));
    from = at + q.length;
  }
  parts.push(text.slice(from));
  return parts;
}

// The "matched in …" line under a search hit: the snippet of a message hit
// with its marks (or, from a service without marks, the query highlighted).
function matchLine(match, query) {
  if (!match) return null;
  const where = { session: 'session id', agent: 'agent name', message: 'message' }[match.in] || match.in;
  // Snippets are raw message text: drop Markdown emphasis marks unless they are searched for.
  const strip = !/[*_`]/.test(query);
  let snippet = null;
  if (match.snippet) {
    snippet = match.marks ? markedText(match.snippet, match.marks, strip)
      : highlight(strip ? match.snippet.replace(/\*\*|__|`/g, '') : match.snippet, query);
  }
  return h('div', { class: 'match', dataset: { in: match.in } },
    h('span', { class: 'match-in' }, `Matched in ${where}`),
    snippet ? h('span', { class: 'match-snippet' }, '“', snippet, '”') : null);
}

// A row's session id or agent name, with the marks of a search hit in it.
function matchedField(text, match, field) {
  return match && match.in === field && match.marks ? markedText(text, match.marks) : text;
}

export class ConversationTable {
  // root: container element; callbacks: getState(), onSort(sort), onOpen(row), onDelete(row),
  // onClearFilters(), onSearch(text) (a suggestion was picked), onChangeKey().
  constructor(root, summary, callbacks) {
    this.root = root;
    this.summary = summary;
    this.cb = callbacks;
    this.rows = [];
    this.total = null;
    this.nextCursor = null;
    this.generation = 0;
    this.loadingMore = false;
    this.tbody = h('tbody');
    this.thead = h('thead');
    this.status = h('div', { class: 'table-status', 'aria-live': 'polite' });
    this.moreButton = h('button', { class: 'btn load-more', type: 'button', hidden: true, onclick: () => this.loadMore() }, 'Load more');
    this.sentinel = h('div', { class: 'sentinel' });
    replace(root, h('table', { class: 'conversations' }, this.thead, this.tbody), this.status, this.moreButton, this.sentinel);
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && this.nextCursor && !this.loadingMore) this.loadMore();
    }, { rootMargin: '200px' });
    this.observer.observe(this.sentinel);
  }

  // Draw the header row with sort buttons reflecting the current sort.
  renderHeader() {
    const { sort, order } = this.cb.getState();
    replace(this.thead, h('tr', {}, COLUMNS.map((col) => {
      if (!col.sort) return h('th', { scope: 'col', class: `col-${col.key}` }, col.hidden ? h('span', { class: 'visually-hidden' }, col.label) : col.label);
      const active = sort === col.sort;
      const ariaSort = active ? (order === 'asc' ? 'ascending' : 'descending') : 'none';
      return h('th', { scope: 'col', class: `col-${col.key}${col.numeric ? ' numeric' : ''}`, 'aria-sort': ariaSort },
        h('button', { type: 'button', class: `sort${active ? ' active' : ''}`, dataset: { sort: col.sort }, onclick: () => this.cb.onSort(col.sort) },
          col.label, h('span', { class: 'sort-arrow', 'aria-hidden': 'true' }, active ? (order === 'asc' ? '▲' : '▼') : '↕')));
    })));
  }

  // One table row for a conversation.
  renderRow(row, query) {
    const open = () => this.cb.onOpen(row);
    const tr = h('tr', { class: 'row', tabindex: 0, dataset: { id: row.id, session: row.session_id }, onclick: open,
      onkeydown: (e) => { if (e.key === 'Enter' && e.target === tr) open(); } },
      h('td', { class: 'col-agent' },
        h('div', { class: 'agent' }, channelIcon(row.channel),
          h('div', {}, h('div', { class: 'agent-name' }, matchedField(row.agent.name, row.match, 'agent')), h('div', { class: 'agent-company' }, row.agent.company || ''))),
        matchLine(row.match, query)),
      h('td', { class: 'col-session' }, h('code', { class: 'session-id' }, matchedField(row.session_id, row.match, 'session'))),
      h('td', { class: 'col-channel' }, h('span', { class: `badge channel-${row.channel}` }, CHANNEL_LABELS[row.channel] || row.channel)),
      h('td', { class: 'col-status' }, h('span', { class: `status status-${row.status}` }, capitalize(row.status))),
      h('td', { class: 'col-messages numeric' }, String(row.message_count)),
      h('td', { class: 'col-rating' }, stars(row.rating)),
      h('td', { class: 'col-date' }, h('time', { datetime: row.started_at }, formatDateTime(row.started_at))),
      h('td', { class: 'col-actions' },
        h('button', { type: 'button', class: 'btn-icon delete-row', title: 'Delete conversation', 'aria-label': `Delete conversation ${row.session_id}`,
          onclick: (e) => { e.stopPropagation(); this.cb.onDelete(row); } }, icon('trash'))));
    return tr;
  }

  // Show a message in place of the rows (loading, empty, or error with actions).
  showStatus(kind, title, detail, actions = []) {
    this.status.className = `table-status state-${kind}`;
    replace(this.status, title ? h('strong', {}, title) : null, detail ? h('p', {}, detail) : null,
      actions.length ? h('div', { class: 'state-actions' }, actions) : null);
  }

  // Update the "Showing N of M" line.
  renderSummary() {
    const shown = this.rows.length;
    if (!shown) { this.summary.textContent = ''; return; }
    const plural = (n) => `conversation${n === 1 ? '' : 's'}`;
    this.summary.textContent = this.total != null
      ? `Showing ${shown} of ${this.total} ${plural(this.total)}`
      : `Showing ${shown} matching ${plural(shown)}${this.nextCursor ? ', scroll for more' : ''}`;
  }

  // Load the first page for the current state, replacing what is shown.
  async load() {
    const generation = ++this.generation;
    const state = this.cb.getState();
    this.renderHeader();
    this.nextCursor = null;
    this.moreButton.hidden = true;
    this.root.setAttribute('aria-busy', 'true');
    this.showStatus('loading', 'Loading conversations…');
    try {
      // An exact total is cheap for filters but costs a full scan for a search: skip it there.
      const count = state.q.trim() ? null : 'exact';
      const page = await api.listConversations({ ...listParams(state), limit: PAGE_SIZE, count });
      if (generation !== this.generation) return;
      this.rows = page.data;
      this.total = page.total ?? null;
      this.nextCursor = page.next_cursor;
      this.suggestions = page.suggestions || null;
      replace(this.tbody, this.rows.map((r) => this.renderRow(r, state.q)));
      this.afterPage(state);
    } catch (err) {
      if (generation !== this.generation) return;
      this.rows = [];
      replace(this.tbody);
      this.renderSummary();
      this.showError(err);
    } finally {
      if (generation === this.generation) this.root.removeAttribute('aria-busy');
    }
  }

  // Fetch and append the next page (keyset cursor).
  async loadMore() {
    if (!this.nextCursor || this.loadingMore) return;
    const generation = this.generation;
    const state = this.cb.getState();
    this.loadingMore = true;
    this.moreButton.disabled = true;
    this.moreButton.textContent = 'Loading…';
    try {
      const page = await api.listConversations({ ...listParams(state), limit: PAGE_SIZE, cursor: this.nextCursor });
      if (generation !== this.generation) return;
      const known = new Set(this.rows.map((r) => r.id));
      const fresh = page.data.filter((r) => !known.has(r.id));
      this.rows.push(...fresh);
      this.nextCursor = page.next_cursor;
      this.tbody.append(...fresh.map((r) => this.renderRow(r, state.q)));
      this.afterPage(state);
    } catch (err) {
      if (generation === this.generation) this.showError(err);
    } finally {
      this.loadingMore = false;
      this.moreButton.disabled = false;
      this.moreButton.textContent = 'Load more';
    }
  }

  // Refresh the status line, summary and "load more" after a page arrived.
  afterPage(state) {
    this.moreButton.hidden = !this.nextCursor;
    this.renderSummary();
    if (this.rows.length) this.showStatus('ready', '', '');
    else if (this.nextCursor) {
      // a search's bounded walk ended the page before finding a match ("partial"): more to look through
      this.showStatus('empty', 'No match yet', 'The search looked through part of the conversations so far. Load more to keep searching.');
    } else if (isFiltered(state)) {
      this.showStatus('empty', 'Nothing matches', 'No conversation matches these filters and search. Remove a filter or change the search.',
        [suggestionChips(this.suggestions, (text) => this.cb.onSearch(text)),
          h('button', { type: 'button', class: 'btn', onclick: () => this.cb.onClearFilters() }, 'Clear all filters')]);
    } else this.showStatus('empty', 'No conversations yet', 'Conversations appear here as soon as your agents start talking to visitors.');
  }

  // Show an API error with the action that helps (new key or retry).
  showError(err) {
    const { title, detail, keyProblem } = describeError(err);
    const actions = [h('button', { type: 'button', class: 'btn', onclick: () => this.load() }, 'Retry')];
    if (keyProblem) actions.unshift(h('button', { type: 'button', class: 'btn btn-primary', onclick: () => this.cb.onChangeKey() }, 'Enter API key'));
    this.showStatus('error', title, detail, actions);
  }

  // Remove a deleted conversation's row (again is harmless: the page's own delete and its event both ask).
  removeRow(id) {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => r.id !== id);
    if (this.rows.length === before) return;
    if (this.total != null) this.total -= 1;
    const tr = this.tbody.querySelector(`tr[data-id="${id}"]`);
    if (tr) tr.remove();
    this.afterPage(this.cb.getState());
  }

  // Re-render one row after its data changed (rating removed, or a live event); false when it is not shown.
  updateRow(id, changes) {
    const row = this.rows.find((r) => r.id === id);
    const tr = this.tbody.querySelector(`tr[data-id="${id}"]`);
    if (!row || !tr) return false;
    if (Object.entries(changes).every(([key, value]) => row[key] === value)) return true;
    Object.assign(row, changes);
    const fresh = this.renderRow(row, this.cb.getState().q);
    fresh.classList.toggle('selected', tr.classList.contains('selected'));
    tr.replaceWith(fresh);
    return true;
  }

  // Put the conversations the first page now starts with, and the table does
  // not show yet, above the rows (a conversation was created): no reload.
  async pullNewest() {
    if (this.root.hasAttribute('aria-busy')) return; // a load is under way and will show them
    const generation = this.generation;
    const state = this.cb.getState();
    const page = await api.listConversations({ ...listParams(state), limit: PAGE_SIZE });
    if (generation !== this.generation) return;
    const known = new Set(this.rows.map((r) => r.id));
    const firstKnown = page.data.findIndex((r) => known.has(r.id));
    if (firstKnown === -1 && this.rows.length) { await this.refresh(); return; }
    const fresh = firstKnown === -1 ? page.data : page.data.slice(0, firstKnown);
    if (!fresh.length) return;
    if (!this.rows.length) this.nextCursor = page.next_cursor;
    this.rows.unshift(...fresh);
    if (this.total != null) this.total += fresh.length;
    this.tbody.prepend(...fresh.map((r) => flash(this.renderRow(r, state.q))));
    this.afterPage(state);
  }

  // Fetch the rows shown again and redraw only those that changed (after a
  // reset of the live stream): no loading state, no flicker.
  async refresh() {
    if (this.root.hasAttribute('aria-busy')) return;
    const generation = this.generation;
    const state = this.cb.getState();
    const limit = Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, this.rows.length));
    const count = state.q.trim() ? null : 'exact';
    const page = await api.listConversations({ ...listParams(state), limit, count });
    if (generation !== this.generation) return;
    const shown = new Map([...this.tbody.querySelectorAll('tr.row')].map((tr) => [Number(tr.dataset.id), tr]));
    const before = new Map(this.rows.map((r) => [r.id, JSON.stringify(r)]));
    const trs = page.data.map((r) => {
      const tr = shown.get(r.id);
      if (!tr) return flash(this.renderRow(r, state.q));
      if (before.get(r.id) === JSON.stringify(r)) return tr;
      const redrawn = this.renderRow(r, state.q);
      redrawn.classList.toggle('selected', tr.classList.contains('selected'));
      return redrawn;
    });
    this.rows = page.data;
    this.total = page.total ?? null;
    this.nextCursor = page.next_cursor;
    this.tbody.replaceChildren(...trs);
    this.afterPage(state);
  }

  // Mark the row whose detail is open.
  setSelected(id) {
    for (const tr of this.tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    if (id != null) {
      const tr = this.tbody.querySelector(`tr[data-id="${id}"]`);
      if (tr) tr.classList.add('selected');
    }
  }
}
