// Entry point of the Conversations page: asks for the API key once, keeps the
// view state in the URL and wires the table, filters and detail panel.
import { api, getKey, setKey, describeError } from './api.js';
import { h } from './dom.js';
import { readState, writeState, defaultOrder, relevanceAllowed } from './urlstate.js';
import { ConversationTable } from './table.js';
import { Filters } from './filters.js';
import { DetailPanel } from './detail.js';
import { confirmDialog, keyDialog } from './dialogs.js';
import { exportView } from './export.js';
import { LiveUpdates } from './live.js';
import { SearchOptions } from './search.js';

let state = readState();
let agents = [];
const $ = (id) => document.getElementById(id);

// Show a short message at the bottom of the screen.
function toast(text, kind = 'info') {
  const el = h('div', { class: `toast toast-${kind}`, role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 4000);
}

// Ask for a (new) key, store it and reload the data.
async function changeKey(error) {
  const key = await keyDialog(error, !getKey());
  if (!key) return;
  setKey(key);
  live.start();
  await loadAgents();
  renderControls();
  table.load();
  if (state.open != null) { panel.close(); panel.open(state.open); }
}

// Fetch the agents for the Agent filter and chip labels (errors are shown by the table).
async function loadAgents() {
  try {
    agents = (await api.agents()).data;
  } catch {
    agents = [];
  }
}

// Redraw the chips, the search box and its options from the state.
function renderControls() {
  filters.render();
  searchOptions.render();
}

// Apply a changed state: URL, chips and table (a relevance sort the search
// no longer allows becomes the default sort).
function applyState({ push }) {
  if (state.sort === 'relevance' && !relevanceAllowed(state)) { state.sort = 'date'; state.order = 'desc'; }
  writeState(state, { push });
  renderControls();
  table.load();
}

// Ask, then delete a conversation forever; remove its row and close its panel.
async function deleteConversation(c, clipCount) {
  const parts = [`${c.message_count} message${c.message_count === 1 ? '' : 's'}`];
  parts.push(clipCount == null ? 'any voice recordings' : `${clipCount} voice recording${clipCount === 1 ? '' : 's'}`);
  if (c.rating != null) parts.push('its client rating');
  const ok = await confirmDialog({
    title: 'Delete this conversation forever?',
    body: `Conversation ${c.session_id} with ${c.agent.name} will be permanently removed, together with its ${parts.join(', ')}. This cannot be undone.`,
    ok: 'Delete forever',
  });
  if (!ok) return;
  try {
    await api.deleteConversation(c.id);
  } catch (err) {
    if (err.status !== 404) { toast(`Delete failed: ${describeError(err).title}`, 'error'); return; }
  }
  table.removeRow(c.id);
  if (panel.conversationId === c.id) closePanel();
  toast(`Conversation ${c.session_id} deleted`);
}

// Ask, then remove a conversation's rating; returns true when removed.
async function removeRating(d) {
  const ok = await confirmDialog({
    title: 'Remove the client rating?',
    body: `The ${d.rating.score}-star rating${d.rating.comment ? ' and its comment' : ''} given to conversation ${d.session_id} will be removed.`,
    ok: 'Remove rating',
  });
  if (!ok) return false;
  try {
    await api.removeRating(d.id);
  } catch (err) {
    toast(`Could not remove the rating: ${describeError(err).title}`, 'error');
    return false;
  }
  table.updateRow(d.id, { rating: null });
  toast('Rating removed');
  return true;
}

// Open a conversation's panel and remember it in the URL.
function openPanel(id) {
  state.open = id;
  writeState(state, { push: true });
  table.setSelected(id);
  panel.open(id);
}

// Close the panel and forget it in the URL.
function closePanel() {
  state.open = null;
  writeState(state, { push: false });
  table.setSelected(null);
  panel.close();
}

const table = new ConversationTable($('table-root'), $('summary'), {
  getState: () => state,
  onSort: (sort) => {
    state.order = state.sort === sort ? (state.order === 'asc' ? 'desc' : 'asc') : defaultOrder(sort);
    state.sort = sort;
    applyState({ push: false });
  },
  onOpen: (row) => openPanel(row.id),
  onDelete: (row) => deleteConversation(row, null),
  onClearFilters: () => filters.clearAll(),
  onSearch: (text) => { state.q = text; applyState({ push: true }); },
  onChangeKey: () => changeKey(),
});

const filters = new Filters(
  { button: $('filter-button'), menu: $('filter-menu'), chips: $('chips'), search: $('search') },
  { getState: () => state, onChange: applyState, agents: () => agents },
);

const searchOptions = new SearchOptions($('search-options'), { getState: () => state, onChange: applyState });

const panel = new DetailPanel($('panel'), $('panel-backdrop'), {
  onClose: closePanel,
  onDelete: (d, clipCount) => deleteConversation(d, clipCount),
  onRemoveRating: removeRating,
});

const live = new LiveUpdates($('live'), { table, panel, getState: () => state });

// Back/forward: re-read the state from the URL.
window.addEventListener('popstate', () => {
  const previous = state;
  state = readState();
  renderControls();
  if (JSON.stringify({ ...previous, open: null }) !== JSON.stringify({ ...state, open: null })) table.load();
  if (state.open == null) panel.close(); else panel.open(state.open);
});

$('key-button').addEventListener('click', () => changeKey());
$('export-button').addEventListener('click', () => exportView(state, $('export-button'), (err) => {
  const d = describeError(err);
  if (d.keyProblem) changeKey(d.detail); else toast(`Export failed: ${d.title}`, 'error');
}));

// Start: make sure there is a key, then load everything.
async function start() {
  if (!getKey()) setKey(await keyDialog());
  live.start();
  await loadAgents();
  renderControls();
  await table.load();
  if (state.open != null) { table.setSelected(state.open); panel.open(state.open); }
}

start();
