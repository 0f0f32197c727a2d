// The Client Data tab: an 8-cell summary grid, the memory the AI extracted,
// the linked tracker session with its pageviews, events and triggers.
import { api, describeError } from './api.js';
import { h, replace, capitalize, formatDateTime, formatSeconds } from './dom.js';
import { CHANNEL_LABELS } from './icons.js';

// One labelled cell of a grid.
function cell(label, value, cls = '') {
  return h('div', { class: `cell ${cls}`.trim() }, h('div', { class: 'cell-label' }, label), h('div', { class: 'cell-value' }, value ?? '—'));
}

// A section with a heading and content.
function section(title, cls, ...content) {
  return h('section', { class: `cd-section ${cls}` }, h('h3', {}, title), ...content);
}

// Show any JSON value as compact text (strings as they are).
function valueText(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// The 8-cell summary of the conversation.
function summaryGrid(c) {
  return h('div', { class: 'grid8' },
    cell('Channel', CHANNEL_LABELS[c.channel] || c.channel),
    cell('Status', capitalize(c.status)),
    cell('Duration', c.duration_text),
    cell('Messages', String(c.message_count)),
    cell('Sentiment', c.sentiment_text),
    cell('Converted', c.converted ? 'Yes' : 'No'),
    cell('Session ID', h('code', {}, c.session_id)),
    cell('Started', formatDateTime(c.started_at)));
}

// Memory as key-value cards.
function memoryCards(memory) {
  const entries = Object.entries(memory || {});
  if (!entries.length) return h('p', { class: 'muted' }, 'The AI has not extracted anything about this visitor yet.');
  return h('div', { class: 'memory' }, entries.map(([key, value]) => h('div', { class: 'memory-card', dataset: { key } },
    h('div', { class: 'memory-key' }, key), h('div', { class: 'memory-value' }, valueText(value)))));
}

// The tracker session's facts.
function trackerSession(s) {
  const place = [s.city, s.country].filter(Boolean).join(', ');
  const utm = [s.utm_source, s.utm_medium].filter(Boolean).join(' / ');
  return h('div', { class: 'grid-facts' },
    cell('Device', capitalize(s.device || '')), cell('Browser', s.browser), cell('OS', s.os), cell('Location', place || null),
    cell('Landing page', s.landing_page, 'wide'), cell('Traffic source', s.traffic_source), cell('UTM source / medium', utm || null),
    cell('Session duration', formatSeconds(s.duration_seconds)), cell('Pages visited', s.pages_visited != null ? String(s.pages_visited) : null),
    cell('Bounce', s.bounce == null ? null : s.bounce ? 'Yes' : 'No'));
}

// Pageviews with time spent and a scroll-depth bar.
function pageviews(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No pageviews recorded.');
  return h('ul', { class: 'pageviews' }, list.map((p) => {
    const depth = Math.max(0, Math.min(100, Math.round(p.scroll_depth ?? 0)));
    const bar = h('span', { class: 'depth-bar' }, h('span', { class: 'depth-fill' }));
    bar.firstChild.style.width = `${depth}%`;
    return h('li', { class: 'pageview' },
      h('div', { class: 'pv-title' }, p.title || p.url),
      h('div', { class: 'pv-url' }, p.url),
      h('div', { class: 'pv-stats' },
        h('span', { class: 'pv-time' }, `Time spent ${formatSeconds(p.time_spent_seconds)}`),
        h('span', { class: 'pv-depth', title: `Scrolled ${depth}% of the page` }, bar, `Scroll depth ${depth}%`)));
  }));
}

// Events in time order.
function events(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No events recorded.');
  return h('ul', { class: 'events' }, list.map((e) => h('li', { class: 'event' },
    h('span', { class: 'event-name' }, e.name), h('span', { class: 'badge' }, e.type), h('time', { datetime: e.occurred_at }, formatDateTime(e.occurred_at)))));
}

// Copy text to the clipboard, with a fallback for browsers without the async API.
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = h('textarea', { class: 'visually-hidden' }, text);
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
  return undefined;
}

// Triggers, each with an expandable JSON block and a copy button.
function triggers(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No triggers fired.');
  return h('ul', { class: 'triggers' }, list.map((t) => {
    const json = JSON.stringify(t.data ?? null, null, 2);
    const copy = h('button', { type: 'button', class: 'btn btn-small copy-json', onclick: async () => {
      try { await copyText(json); copy.textContent = 'Copied'; } catch { copy.textContent = 'Copy failed'; }
      setTimeout(() => { copy.textContent = 'Copy JSON'; }, 1500);
    } }, 'Copy JSON');
    return h('li', { class: 'trigger' },
      h('div', { class: 'trigger-head' }, h('span', { class: 'trigger-name' }, t.name), h('span', { class: 'badge' }, t.action),
        h('time', { datetime: t.occurred_at }, formatDateTime(t.occurred_at))),
      h('details', { class: 'trigger-data' }, h('summary', {}, 'Captured data'), copy, h('pre', {}, h('code', {}, json))));
  }));
}

// Load and render the tab.
export async function showClientData(root, conversationId, signal) {
  replace(root, h('p', { class: 'tab-loading' }, 'Loading client data…'));
  let data;
  try {
    data = await api.clientData(conversationId, signal);
  } catch (err) {
    if (err.name === 'AbortError') return;
    const { title, detail } = describeError(err);
    replace(root, h('div', { class: 'tab-error' }, h('strong', {}, title), h('p', {}, detail),
      h('button', { type: 'button', class: 'btn', onclick: () => showClientData(root, conversationId, signal) }, 'Retry')));
    return;
  }
  replace(root,
    summaryGrid(data.conversation),
    section('Memory', 'cd-memory', memoryCards(data.memory)),
    data.session
      ? [section('Tracker session', 'cd-session', trackerSession(data.session)),
        section(`Pageviews (${data.pageviews.length})`, 'cd-pageviews', pageviews(data.pageviews)),
        section(`Events (${data.events.length})`, 'cd-events', events(data.events)),
        section(`Triggers (${data.triggers.length})`, 'cd-triggers', triggers(data.triggers))]
      : section('Tracker session', 'cd-session', h('p', { class: 'muted' }, 'No website tracker session is linked to this conversation.')));
}

// Redraw the summary grid and the memory cards after a live change, leaving
// the rest of the tab (open trigger blocks, scroll position) as it is.
export async function refreshClientData(root, conversationId, signal) {
  const grid = root.querySelector('.grid8');
  const memory = root.querySelector('.cd-memory');
  if (!grid || !memory) return;
  let data;
  try {
    data = await api.clientData(conversationId, signal);
  } catch {
    return; // what is shown stays; the next change tries again
  }
  grid.replaceWith(summaryGrid(data.conversation));
  memory.replaceWith(section('Memory', 'cd-memory', memoryCards(data.memory)));
}
