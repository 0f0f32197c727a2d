// The view's state (filters, search, sort, open conversation) and its mirror
// in the page URL, so a view can be shared and survives a reload. The URL uses
// the API's own parameter names.

export const STATUSES = ['active', 'closed', 'archived'];
export const CHANNELS = ['web', 'widget', 'telegram', 'whatsapp', 'voip', 'messenger', 'crm'];
export const SORTS = ['agent', 'status', 'messages', 'rating', 'date', 'relevance'];
export const MATCHES = ['substring', 'words'];
const LIST_KEYS = ['status', 'channel', 'agent_id'];
const SINGLE_KEYS = ['min_rating', 'date_from', 'date_to'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

// Return an empty filter set.
export function emptyFilters() {
  return { status: [], channel: [], agent_id: [], min_rating: null, date_from: null, date_to: null };
}

// Keep only well-formed values of one filter kind (bad URLs must not break the page).
function validValue(kind, value) {
  switch (kind) {
    case 'status': return STATUSES.includes(value);
    case 'channel': return CHANNELS.includes(value);
    case 'agent_id': return /^\d+$/.test(value);
    case 'min_rating': return /^[1-5]$/.test(value);
    default: return DATE_RE.test(value);
  }
}

// Read the view state from a query string.
export function readState(search = window.location.search) {
  const p = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const kind of LIST_KEYS) {
    filters[kind] = [...new Set((p.get(kind) || '').split(',').filter((v) => validValue(kind, v)))];
  }
  for (const kind of SINGLE_KEYS) {
    const v = p.get(kind);
    filters[kind] = v && validValue(kind, v) ? v : null;
  }
  const q = p.get('q') || '';
  const match = MATCHES.includes(p.get('match')) ? p.get('match') : 'substring';
  let sort = SORTS.includes(p.get('sort')) ? p.get('sort') : 'date';
  if (sort === 'relevance' && !relevanceAllowed({ q, match })) sort = 'date';
  const order = p.get('order') === 'asc' || p.get('order') === 'desc' ? p.get('order') : defaultOrder(sort);
  const open = /^\d+$/.test(p.get('conversation') || '') ? Number(p.get('conversation')) : null;
  return { filters, q, match, sort, order, open };
}

// Whether results can be sorted by relevance: only a search by words.
export function relevanceAllowed(state) {
  return Boolean(state.q.trim()) && state.match === 'words';
}

// The first direction a column sorts in: text and lifecycle ascending, numbers and dates descending.
export function defaultOrder(sort) {
  return sort === 'agent' || sort === 'status' ? 'asc' : 'desc'; // relevance: most relevant first
}

// The list route's query parameters for a state (without cursor/limit).
// (relevance falls back to date, newest first, when the search no longer allows it).
export function listParams(state) {
  const relevance = state.sort === 'relevance';
  const fallback = relevance && !relevanceAllowed(state);
  const params = { ...state.filters, sort: fallback ? 'date' : state.sort, order: fallback ? 'desc' : state.order };
  if (state.q.trim()) {
    params.q = state.q.trim();
    if (state.match === 'words') params.match = 'words';
  }
  return params;
}

// The export route's parameters for a state: the list's, without the word search's
// own ones, which it does not take (it searches substrings, sorted by date then).
export function exportParams(state) {
  return listParams({ ...state, match: 'substring' });
}

// Write the state into the URL (replace by default, push for navigations worth a Back).
export function writeState(state, { push = false } = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(listParams(state))) {
    if (value == null || value === '' || (Array.isArray(value) && !value.length)) continue;
    if (key === 'sort' && value === 'date' && state.order === 'desc') continue;
    if (key === 'order' && state.sort === 'date' && value === 'desc') continue;
    params.set(key, Array.isArray(value) ? value.join(',') : value);
  }
  if (state.open != null) params.set('conversation', String(state.open));
  const qs = params.toString().replace(/%2C/g, ',');
  const url = `${window.location.pathname}${qs ? `?${qs}` : ''}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  window.history[push ? 'pushState' : 'replaceState'](null, '', url);
}

// True when any filter or search is set.
export function isFiltered(state) {
  const f = state.filters;
  return Boolean(state.q.trim() || f.status.length || f.channel.length || f.agent_id.length
    || f.min_rating || f.date_from || f.date_to);
}
