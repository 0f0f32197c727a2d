// Browser tests of the Conversations page against the real service and the
// data of seed.mjs. Environment: E2E_BASE_URL, E2E_API_KEY, E2E_MANIFEST
// (seed output), E2E_DOWN_URL (a service whose database is unreachable),
// CHROMIUM (browser binary), E2E_ONLY (run cases whose name contains it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, assert, assertEqual, run } from './harness.mjs';

const BASE = process.env.E2E_BASE_URL;
const KEY = process.env.E2E_API_KEY;
const DOWN = process.env.E2E_DOWN_URL;
const OTHER_KEY = process.env.E2E_OTHER_KEY;
const seed = JSON.parse(fs.readFileSync(process.env.E2E_MANIFEST, 'utf8'));
const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STATUS_RANK = { Active: 0, Closed: 1, Archived: 2 };

// GET an API route with the test key; returns {status, body}.
async function apiGet(route) {
  const res = await fetch(`${BASE}/api/v1${route}`, { headers: { Authorization: `Bearer ${KEY}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Send a write to the API (JSON body) with a key; returns the parsed answer, throws on an error status.
async function apiSend(method, route, body, key = KEY) {
  const res = await fetch(`${BASE}/api/v1${route}`, {
    method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// Session ids the API lists for a query string (up to 200).
async function apiSessions(query) {
  const { body } = await apiGet(`/conversations?limit=200&${query}`);
  return body.data.map((r) => r.session_id).sort();
}

// Wait until the table finished loading (rows, empty or error state shown).
async function tableReady(page) {
  await page.waitForSelector('#table-root:not([aria-busy]) .table-status:is(.state-ready, .state-empty, .state-error)', { state: 'attached' });
}

// Run an action that reloads the table and wait for the new rows.
async function reloadTable(page, action, match = () => true) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'GET' && /\/api\/v1\/conversations\?/.test(r.url()) && match(r.url())),
    action(),
  ]);
  await tableReady(page);
}

// Open the page (optionally with a query string) and wait for the table.
async function gotoApp(page, query = '') {
  await page.goto(`${BASE}/${query}`);
  await tableReady(page);
}

// The rows the table shows, as plain objects.
function rows(page) {
  return page.$$eval('#table-root tbody tr.row', (trs) => trs.map((tr) => ({
    id: Number(tr.dataset.id),
    session: tr.dataset.session,
    agent: tr.querySelector('.agent-name').textContent,
    company: tr.querySelector('.agent-company').textContent,
    channel: tr.querySelector('.col-channel').textContent,
    status: tr.querySelector('.col-status').textContent,
    messages: Number(tr.querySelector('.col-messages').textContent),
    rating: tr.querySelector('.stars') ? Number(tr.querySelector('.stars').dataset.score) : null,
    ratingText: tr.querySelector('.col-rating').textContent,
    date: tr.querySelector('time').getAttribute('datetime'),
    matchIn: tr.querySelector('.match') ? tr.querySelector('.match').dataset.in : null,
    snippet: tr.querySelector('.match-snippet') ? tr.querySelector('.match-snippet').textContent : null,
    mark: tr.querySelector('.match mark') ? tr.querySelector('.match mark').textContent : null,
  })));
}

// Throw unless consecutive values are ordered by cmp (≤ 0).
function assertOrdered(values, cmp, message) {
  for (let i = 1; i < values.length; i += 1) {
    assert(cmp(values[i - 1], values[i]) <= 0, `${message}: ${JSON.stringify(values[i - 1])} before ${JSON.stringify(values[i])} at ${i}`);
  }
}

// Add a filter through the Filter menu and wait for the table.
async function addFilter(page, kind, value) {
  await page.click('#filter-button');
  await page.click(`#filter-menu .menu-item[data-kind="${kind}"]`);
  if (kind.startsWith('date_')) {
    await page.fill('#filter-menu input[type="date"]', value);
    await reloadTable(page, () => page.click('#filter-menu .menu-date button'));
  } else {
    await reloadTable(page, () => page.click(`#filter-menu .menu-item[data-value="${value}"]`));
  }
  await page.waitForSelector(`#chips .chip[data-kind="${kind}"][data-value="${value}"]`);
}

// Remove a filter with the × of its chip and wait for the table.
async function removeChip(page, kind, value) {
  await reloadTable(page, () => page.click(`#chips .chip[data-kind="${kind}"][data-value="${value}"] .chip-remove`));
  assert(!(await page.$(`#chips .chip[data-kind="${kind}"][data-value="${value}"]`)), `chip ${kind}=${value} still shown`);
}

// Open the detail panel of a row (by session id) and wait for the sidebar.
async function openDetail(page, session) {
  await page.click(`#table-root tr.row[data-session="${session}"] .col-session`);
  await page.waitForSelector('#panel.open .sidebar .sb-date');
}

// The text of one sidebar fact.
function fact(page, cls) {
  return page.innerText(`#panel .${cls} dd`);
}

// Record the audio route requests a page makes: [{url, range}].
function recordAudio(page) {
  const log = [];
  page.on('request', (r) => {
    if (r.url().includes('/audio')) log.push({ url: r.url(), range: r.headers().range || null });
  });
  return log;
}

// Wait until a player's state is reached (checked in the page).
async function waitPlayer(page, fn, arg, timeout = 10000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

// Wait (in Node) until cond() is true, failing with a message after 5 s.
async function until(cond, message) {
  for (const started = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > 5000) throw new Error(message);
  }
}

// Click the waveform at a fraction of its width.
async function clickWaveform(page, fraction) {
  const box = await page.locator('#panel .waveform').boundingBox();
  await page.locator('#panel .waveform').click({ position: { x: box.width * fraction, y: box.height / 2 } });
}

test('asks for the API key once and keeps it in the browser', async (page) => {
  await page.goto(`${BASE}/`);
  await page.waitForSelector('#key-dialog[open]');
  await page.fill('#key-input', KEY);
  await page.click('#key-form button[value="save"]');
  await tableReady(page);
  assert((await rows(page)).length > 0, 'no rows after entering the key');
  await page.reload();
  await tableReady(page);
  assert(!(await page.$('#key-dialog[open]')), 'the key was asked again after a reload');
  assertEqual(await page.evaluate(() => localStorage.getItem('convdash.apiKey')), KEY, 'stored key');
}, { always: true });

test('table lists conversations newest first with every column', async (page) => {
  await gotoApp(page);
  const list = await rows(page);
  assertEqual(list.length, 50, 'first page size');
  assertOrdered(list.map((r) => r.date), (a, b) => b.localeCompare(a), 'dates not newest first');
  assertEqual(list[0].session, 'voice-call-1', 'newest conversation');
  const first = page.locator('#table-root tr.row').first();
  assertEqual(await first.locator('.agent-name').textContent(), 'Echo', 'agent name');
  assertEqual(await first.locator('.agent-company').textContent(), 'Globex Voice', 'company');
  assert(await first.locator('.col-agent svg.icon-voip').count() === 1, 'channel icon missing');
  assertEqual(await first.locator('.col-channel .badge').textContent(), 'VoIP', 'channel badge');
  assertEqual(list[0].status, 'Closed', 'status');
  assertEqual(list[0].messages, 3, 'message count (user + assistant only)');
  assertEqual(list[0].rating, 5, 'rating stars');
  assert(list.some((r) => r.rating === null && r.ratingText === '—'), 'unrated rows show —');
  assertEqual(await first.locator('.col-date time').textContent(), 'Mar 30, 2024, 10:00 AM', 'date');
  assert(await first.locator('button.delete-row').count() === 1, 'delete button missing');
  assertEqual(await page.textContent('#summary'), `Showing 50 of ${seed.total} conversations`, 'summary');
  await page.screenshot({ path: path.join(SHOTS, 'table.png') });
});

test('infinite scroll and load more page with the keyset cursor', async (page) => {
  await gotoApp(page);
  await reloadTable(page, () => page.locator('#table-root .load-more').scrollIntoViewIfNeeded(), (u) => u.includes('cursor='));
  await page.waitForFunction((n) => document.querySelectorAll('#table-root tr.row').length === n, seed.total);
  const list = await rows(page);
  assertEqual(new Set(list.map((r) => r.id)).size, seed.total, 'rows repeated or skipped');
  assertOrdered(list.map((r) => r.date), (a, b) => b.localeCompare(a), 'order across pages');
  assert(await page.locator('#table-root .load-more').isHidden(), 'load more still shown after the last page');
});

test('sorting by each column, clicking again reverses', async (page) => {
  await gotoApp(page);
  const byName = (a, b) => a.localeCompare(b);
  const ratingAsc = (a, b) => (a === null) - (b === null) || (a === null ? 0 : a - b);
  const ratingDesc = (a, b) => (a === null) - (b === null) || (a === null ? 0 : b - a);
  const checks = [
    ['agent', 'agent', byName, (a, b) => byName(b, a)],
    ['status', 'status', (a, b) => STATUS_RANK[a] - STATUS_RANK[b], (a, b) => STATUS_RANK[b] - STATUS_RANK[a]],
    ['messages', 'messages', (a, b) => b - a, (a, b) => a - b],
    ['rating', 'rating', ratingDesc, ratingAsc],
    ['date', 'date', (a, b) => b.localeCompare(a), (a, b) => a.localeCompare(b)],
  ];
  for (const [sort, field, first, second] of checks) {
    for (const [cmp, order] of [[first, 'first'], [second, 'second']]) {
      await reloadTable(page, () => page.click(`#table-root th button.sort[data-sort="${sort}"]`), (u) => u.includes(`sort=${sort}`));
      const list = await rows(page);
      assert(list.length === 50, `${sort}: ${list.length} rows`);
      assertOrdered(list.map((r) => r[field]), cmp, `${sort} (${order} click)`);
      assert(page.url().includes(`sort=${sort}`) || sort === 'date', `${sort} not in the URL`);
    }
  }
});

test('status filter chip filters and its × removes it', async (page) => {
  await gotoApp(page);
  await addFilter(page, 'status', 'closed');
  const list = await rows(page);
  assert(list.length > 0 && list.every((r) => r.status === 'Closed'), 'a non-closed row is shown');
  assertEqual(await page.textContent('#chips .chip[data-kind="status"]'), 'Status: Closed×', 'chip label');
  assert(page.url().includes('status=closed'), 'status not in the URL');
  await removeChip(page, 'status', 'closed');
  assertEqual((await rows(page)).length, 50, 'rows after removing the chip');
  assert(!page.url().includes('status='), 'status still in the URL');
});

test('channel filter', async (page) => {
  await gotoApp(page);
  await addFilter(page, 'channel', 'voip');
  const list = await rows(page);
  assert(list.length > 0 && list.every((r) => r.channel === 'VoIP'), 'a non-VoIP row is shown');
  assertEqual(list.map((r) => r.session).sort(), await apiSessions('channel=voip'), 'VoIP rows');
  await removeChip(page, 'channel', 'voip');
});

test('agent filter lists the agents route', async (page) => {
  await gotoApp(page);
  await page.click('#filter-button');
  await page.click('#filter-menu .menu-item[data-kind="agent_id"]');
  const names = await page.$$eval('#filter-menu .menu-item', (els) => els.map((e) => e.textContent));
  assertEqual(names.sort(), ['Atlas · Acme Sales', 'Echo · Globex Voice', 'Nova · Acme Support'], 'agent menu');
  await page.keyboard.press('Escape');
  await addFilter(page, 'agent_id', String(seed.agents.echo));
  const list = await rows(page);
  assert(list.length > 0 && list.every((r) => r.agent === 'Echo'), 'another agent is shown');
  assertEqual(await page.textContent('#chips .chip[data-kind="agent_id"]'), 'Agent: Echo×', 'chip label');
  await removeChip(page, 'agent_id', String(seed.agents.echo));
});

test('minimum rating filter', async (page) => {
  await gotoApp(page);
  await addFilter(page, 'min_rating', '4');
  const list = await rows(page);
  assert(list.length > 0 && list.every((r) => r.rating >= 4), 'a row rated below 4 or unrated is shown');
  assertEqual(list.map((r) => r.session).sort(), await apiSessions('min_rating=4'), 'rated rows');
  await removeChip(page, 'min_rating', '4');
});

test('date from and date to filters with calendar inputs', async (page) => {
  await gotoApp(page);
  await addFilter(page, 'date_from', '2024-03-05');
  await addFilter(page, 'date_to', '2024-03-07');
  const list = await rows(page);
  assert(list.length > 0, 'no rows in the date range');
  assert(list.every((r) => r.date >= '2024-03-05' && r.date < '2024-03-08'), 'a row outside 5–7 March is shown');
  assertEqual(list.map((r) => r.session).sort(), await apiSessions('date_from=2024-03-05&date_to=2024-03-07'), 'rows in range');
  await removeChip(page, 'date_from', '2024-03-05');
  assert((await rows(page)).every((r) => r.date < '2024-03-08'), 'date_to lost when date_from was removed');
  await removeChip(page, 'date_to', '2024-03-07');
});

test('filters combine with AND and survive a reload from the URL', async (page) => {
  await gotoApp(page);
  await addFilter(page, 'status', 'closed');
  await addFilter(page, 'agent_id', String(seed.agents.nova));
  const list = await rows(page);
  assert(list.every((r) => r.status === 'Closed' && r.agent === 'Nova'), 'AND not applied');
  assertEqual(list.map((r) => r.session).sort(), await apiSessions(`status=closed&agent_id=${seed.agents.nova}`), 'rows');
  const url = page.url();
  const fresh = await page.context().newPage();
  await fresh.goto(url);
  await tableReady(fresh);
  assertEqual((await rows(fresh)).map((r) => r.id), list.map((r) => r.id), 'rows after opening the shared URL');
  assertEqual(await fresh.$$eval('#chips .chip', (els) => els.map((e) => e.dataset.kind).sort()), ['agent_id', 'status'], 'chips restored');
  await fresh.close();
});

test('search matches message content with a snippet, agent names and session ids', async (page) => {
  await gotoApp(page);
  await reloadTable(page, () => page.fill('#search', 'ZEBRA'), (u) => u.includes('q=ZEBRA'));
  let list = await rows(page);
  assertEqual(list.map((r) => r.session), ['bulk-017'], 'message hit');
  assertEqual(list[0].matchIn, 'message', 'match place');
  assert(/zebra-4417/.test(list[0].snippet), `snippet: ${list[0].snippet}`);
  assertEqual(list[0].mark.toLowerCase(), 'zebra', 'highlight');
  assert(page.url().includes('q=ZEBRA'), 'search not in the URL');
  await reloadTable(page, () => page.fill('#search', 'ech'), (u) => u.includes('q=ech'));
  list = await rows(page);
  assert(list.length > 0 && list.every((r) => r.agent === 'Echo' && r.matchIn === 'agent'), 'agent hits');
  await reloadTable(page, () => page.fill('#search', 'long-thr'), (u) => u.includes('q=long-thr'));
  list = await rows(page);
  assertEqual(list.map((r) => [r.session, r.matchIn]), [['long-thread', 'session']], 'session hit');
  await page.reload();
  await tableReady(page);
  assertEqual(await page.inputValue('#search'), 'long-thr', 'search box after reload');
  assertEqual((await rows(page)).length, 1, 'search after reload');
});

// The texts a row's marks cover in a string (code point ranges, as the API gives them).
function markedParts(text, marks) {
  const chars = Array.from(text);
  return marks.map(([start, end]) => chars.slice(start, end).join(''));
}

test('search: the match-mode toggle switches between substrings and whole words', async (page) => {
  await gotoApp(page);
  await reloadTable(page, () => page.fill('#search', 'deliver'), (u) => u.includes('q=deliver'));
  assertEqual(await page.getAttribute('#search-options .segment[data-match="substring"]', 'aria-pressed'), 'true', 'substring is the default');
  const substring = (await rows(page)).map((r) => r.session);
  assert(substring.includes('voice-call-1'), `"deliver" as a substring finds "delivery": ${substring}`);
  assert(await page.locator('#search-options .relevance-sort').isHidden(), 'relevance offered for a substring search');
  await reloadTable(page, () => page.click('#search-options .segment[data-match="words"]'), (u) => u.includes('match=words'));
  assert(page.url().includes('match=words'), 'match mode not in the URL');
  assertEqual(await page.getAttribute('#search-options .segment[data-match="words"]', 'aria-pressed'), 'true', 'words pressed');
  const words = (await rows(page)).map((r) => r.session);
  assertEqual(words, (await apiGet('/conversations?limit=50&q=deliver&match=words')).body.data.map((r) => r.session_id), 'rows of the words search');
  assert(!words.includes('voice-call-1'), 'a words search found "delivery" for "deliver" (the simple configuration does not stem)');
  await reloadTable(page, () => page.click('#search-options .segment[data-match="substring"]'), (u) => !u.includes('match='));
  assertEqual((await rows(page)).map((r) => r.session), substring, 'back to substrings');
});

test('search: relevance sort is offered when searching by words', async (page) => {
  await gotoApp(page, '?q=refund%20order&match=words');
  await page.waitForSelector('#search-options .relevance-sort:not([hidden])');
  await reloadTable(page, () => page.click('#search-options .relevance-sort'), (u) => u.includes('sort=relevance'));
  assertEqual(await page.getAttribute('#search-options .relevance-sort', 'aria-pressed'), 'true', 'relevance pressed');
  assert(!(await page.$('#table-root th button.sort.active')), 'a column still shows as the sort');
  const api = (await apiGet('/conversations?limit=50&q=refund%20order&match=words&sort=relevance')).body.data;
  assert(api.length > 0, 'the API found nothing for "refund order"');
  assertEqual((await rows(page)).map((r) => r.id), api.map((r) => r.id), 'rows in relevance order');
  await reloadTable(page, () => page.click('#table-root th button.sort[data-sort="date"]'), (u) => u.includes('sort=date') || !u.includes('sort='));
  assertEqual(await page.getAttribute('#search-options .relevance-sort', 'aria-pressed'), 'false', 'relevance after sorting by date');
});

test('search: highlights are drawn from match.marks', async (page) => {
  await gotoApp(page, '?q=zebra%20refund&match=words');
  const api = (await apiGet('/conversations?limit=50&q=zebra%20refund&match=words')).body.data;
  const hit = api.find((r) => r.session_id === 'bulk-017');
  assert(hit && hit.match && hit.match.marks && hit.match.marks.length, `no marks from the API: ${JSON.stringify(hit && hit.match)}`);
  const shown = await page.$$eval('#table-root tr.row[data-session="bulk-017"] .match-snippet mark', (ms) => ms.map((m) => m.textContent));
  assertEqual(shown, markedParts(hit.match.snippet, hit.match.marks), 'marked words');
  await gotoApp(page, '?q=long-thr');
  const session = (await apiGet('/conversations?limit=50&q=long-thr')).body.data[0];
  assertEqual(await page.$$eval('#table-root tr.row[data-session="long-thread"] .session-id mark', (ms) => ms.map((m) => m.textContent)),
    markedParts(session.session_id, session.match.marks), 'marked part of the session id');
  await gotoApp(page, '?q=ech');
  const agent = (await apiGet('/conversations?limit=1&q=ech')).body.data[0];
  assertEqual(await page.$eval('#table-root tbody tr.row .agent-name mark', (m) => m.textContent),
    markedParts(agent.agent.name, agent.match.marks)[0], 'marked part of the agent name');
});

test('search: suggestions of an empty search are chips that search for them', async (page) => {
  const api = (await apiGet('/conversations?limit=50&q=Atlass')).body;
  assertEqual(api.data.length, 0, 'rows for the misspelt "Atlass"');
  assert(api.suggestions && api.suggestions.length > 0, `no suggestions from the API: ${JSON.stringify(api.suggestions)}`);
  await gotoApp(page, '?q=Atlass');
  await page.waitForSelector('.table-status.state-empty .suggestion');
  assertEqual(await page.$$eval('.suggestion', (bs) => bs.map((b) => b.textContent)), api.suggestions.map((x) => x.text), 'chips');
  const first = api.suggestions[0].text;
  await reloadTable(page, () => page.click('.suggestion'), (u) => u.includes(`q=${encodeURIComponent(first)}`) || u.includes(`q=${first}`));
  assertEqual(await page.inputValue('#search'), first, 'search box after the chip');
  const expected = (await apiGet(`/conversations?limit=50&q=${encodeURIComponent(first)}`)).body.data.map((r) => r.id);
  assert(expected.length > 0, `the suggestion "${first}" finds nothing`);
  assertEqual((await rows(page)).map((r) => r.id), expected, 'rows of the suggestion');
});

test('Export downloads the current view (filters, search and sort) as CSV', async (page) => {
  const query = 'status=closed,archived&q=e&sort=messages&order=asc';
  await gotoApp(page, `?${query}`);
  const shown = (await rows(page)).map((r) => r.id);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-button')]);
  assert(/^conversations-\d{8}\.csv$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
  const text = fs.readFileSync(await download.path(), 'utf8');
  assert(text.startsWith('id,agent_id,agent_name,agent_company,agent_mode,session_id,channel,status,'), 'CSV header row');
  const ids = text.split('\r\n').slice(1).map((l) => /^(\d+),/.exec(l)).filter(Boolean).map((m) => Number(m[1]));
  const want = [];
  for (let cursor = null, first = true; first || cursor; first = false) {
    const { body } = await apiGet(`/conversations?limit=200&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    want.push(...body.data.map((r) => r.id));
    cursor = body.next_cursor;
  }
  assert(want.length > 0 && shown.length > 0, 'the view is empty');
  assertEqual(ids, want, 'exported ids (every page of the view, in its order)');
  assertEqual(ids.slice(0, shown.length), shown, 'the rows the table shows come first');
  assertEqual(await page.getAttribute('#export-button', 'aria-busy'), null, 'button idle again');
});

test('nothing matches shows an empty state that clears the filters', async (page) => {
  await gotoApp(page, '?q=no-such-words-anywhere&status=archived');
  await page.waitForSelector('.table-status.state-empty');
  assert((await page.textContent('.table-status')).includes('Nothing matches'), 'empty state text');
  await reloadTable(page, () => page.click('.table-status button:has-text("Clear all filters")'));
  assertEqual((await rows(page)).length, 50, 'rows after clearing');
  assertEqual(await page.inputValue('#search'), '', 'search cleared');
});

test('opening a detail shows the sidebar metadata', async (page) => {
  const audio = recordAudio(page);
  await gotoApp(page);
  assertEqual(audio.length, 0, 'audio requested before any panel opened');
  await openDetail(page, 'voice-call-1');
  assert(page.url().includes(`conversation=${seed.voice.id}`), 'open conversation not in the URL');
  assertEqual(await fact(page, 'sb-date'), 'Mar 30, 2024, 10:00 AM', 'date');
  assertEqual(await fact(page, 'sb-text-only'), 'No', 'text only');
  assertEqual((await fact(page, 'sb-channel')).trim(), 'VoIP', 'channel');
  assertEqual(await fact(page, 'sb-duration'), '3m 05s', 'duration');
  assertEqual(await fact(page, 'sb-messages'), '3', 'messages');
  const tokens = await apiGet(`/conversations/${seed.voice.id}`);
  const t = tokens.body.tokens;
  assertEqual(await fact(page, 'sb-tokens'), `${t.prompt} prompt + ${t.completion} completion = ${t.total}`, 'tokens');
  assertEqual(await page.getAttribute('#panel .sb-rating .stars', 'data-score'), '5', 'rating stars');
  assert((await fact(page, 'sb-agent')).startsWith('Echo · Globex Voice'), 'agent');
  await page.waitForSelector('#panel .player .waveform');
  assert(audio.some((a) => a.url.endsWith(`/conversations/${seed.voice.id}/audio`)), 'clip list not loaded on open');
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, 'detail.png') });
  await page.keyboard.press('Escape');
  await page.waitForSelector('#panel:not(.open)', { state: 'attached' });
  assert(!page.url().includes('conversation='), 'URL still names the closed conversation');
});

test('overview tab shows status, how it ended, sentiment and session id', async (page) => {
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  const text = (cls) => page.textContent(`#panel .overview .${cls} dd`);
  assertEqual(await text('ov-status'), 'Closed', 'status');
  assertEqual(await text('ov-ended'), 'Caller hung up', 'end reason');
  assertEqual(await text('ov-sentiment'), 'Positive', 'sentiment');
  assertEqual(await text('ov-session'), 'voice-call-1', 'session id');
  await page.keyboard.press('Escape');
  await openDetail(page, 'xss-probe');
  assertEqual(await text('ov-ended'), 'Completed', 'no end reason');
  assertEqual(await text('ov-sentiment'), 'Not analyzed', 'no sentiment');
  assertEqual(await fact(page, 'sb-rating'), 'No rating', 'no rating');
  assert((await page.textContent('#panel .player-slot')).includes('Text-only conversation'), 'text-only indicator');
  await page.keyboard.press('Escape');
  await openDetail(page, 'long-thread');
  assertEqual(await fact(page, 'sb-duration'), 'Ongoing', 'active conversation duration');
  assertEqual(await text('ov-ended'), 'Ongoing', 'active conversation has not ended');
});

test('transcription tab shows only user and assistant bubbles', async (page) => {
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  await page.click('#panel .tab[data-tab="transcript"]');
  await page.waitForSelector('#panel .transcript .bubble');
  const bubbles = await page.$$eval('#panel .transcript .bubble', (els) => els.map((e) => [e.dataset.role, e.querySelector('.bubble-body').textContent]));
  assertEqual(bubbles, [
    ['user', 'Hauptstrasse 5, Berlin.'],
    ['assistant', 'Of course. What is the new address?'],
    ['user', 'Hello, I would like to change my delivery address.'],
  ], 'bubbles, newest first');
  assertEqual(await page.textContent('#panel .transcript .bubble-assistant strong'), 'new address', 'bold in assistant message');
  assertEqual(await page.locator('#panel .transcript .play-voice').count(), 3, 'voice message buttons');
  const marked = () => page.$$eval('#panel .transcript .bubble', (els) => els.map((e) => e.classList.contains('now-playing')));
  await waitPlayer(page, () => document.querySelectorAll('#panel .bubble.now-playing').length === 1);
  assertEqual(await marked(), [false, false, true], 'the first clip\'s bubble is marked');
  await page.locator('#panel .transcript .play-voice').first().click();
  await waitPlayer(page, () => document.querySelector('#panel .player-clip').textContent === 'Clip 3 of 3');
  assertEqual(await marked(), [true, false, false], 'the played clip\'s bubble is marked');
});

test('transcript pages hold 50 messages, most recent first', async (page) => {
  await gotoApp(page);
  await openDetail(page, 'long-thread');
  await page.click('#panel .tab[data-tab="transcript"]');
  await page.waitForSelector('#panel .transcript .bubble');
  const pageText = async () => page.$$eval('#panel .transcript .bubble-body', (els) => els.map((e) => e.textContent));
  let texts = await pageText();
  assertEqual([texts.length, texts[0], texts[49]], [50, 'Message #120', 'Message #71'], 'page 1');
  assertEqual(await page.textContent('#panel .pager-info'), 'Page 1 of 3 · 120 messages', 'pager');
  assert(await page.locator('#panel .pager-newer').first().isDisabled(), 'Newer enabled on page 1');
  const turn = async (which, pageNo) => {
    await Promise.all([page.waitForResponse((r) => r.url().includes(`page=${pageNo}`)), page.locator(`#panel .${which}`).first().click()]);
    await page.waitForSelector('#panel .transcript .bubble');
  };
  await turn('pager-older', 2);
  texts = await pageText();
  assertEqual([texts.length, texts[0], texts[49]], [50, 'Message #70', 'Message #21'], 'page 2');
  await turn('pager-older', 3);
  texts = await pageText();
  assertEqual([texts.length, texts[0], texts[19]], [20, 'Message #20', 'Message #1'], 'page 3');
  assert(await page.locator('#panel .pager-older').first().isDisabled(), 'Older enabled on the last page');
  await turn('pager-newer', 2);
  assertEqual((await pageText())[0], 'Message #70', 'back to page 2');
});

test('assistant rich text renders and a <script> message stays inert', async (page) => {
  await page.addInitScript(() => { window.__xss = undefined; });
  await gotoApp(page);
  await openDetail(page, 'xss-probe');
  await page.click('#panel .tab[data-tab="transcript"]');
  await page.waitForSelector('#panel .transcript .bubble-assistant');
  const rich = page.locator('#panel .bubble-assistant .rich');
  assertEqual(await rich.locator('strong').first().textContent(), 'bold text', 'bold');
  assertEqual(await rich.locator('em').first().textContent(), 'emphasis', 'italic');
  assertEqual(await rich.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['https://example.com/docs'], 'only the safe link is a link');
  assertEqual(await rich.locator('ul li').allTextContents(), ['first item', 'second item'], 'bullet list');
  assertEqual(await rich.locator('ol li').allTextContents(), ['step one', 'step two'], 'numbered list');
  assertEqual(await rich.locator('table th').allTextContents(), ['Plan', 'Price'], 'table header');
  assertEqual(await rich.locator('table td').allTextContents(), ['Pro', '29 €'], 'table cells');
  assertEqual(await rich.locator('pre code').textContent(), 'const safe = "<b>not bold</b>";', 'code block');
  assertEqual(await rich.locator('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src').slice(0, 15))), ['data:image/png;'], 'only the raster image');
  assert((await rich.textContent()).includes('<script>window.__xss = "assistant"</script>'), 'script tag not shown as text');
  assert((await page.textContent('#panel .bubble-user')).includes('<script>window.__xss = "user"</script>'), 'user script not shown as text');
  assertEqual(await page.locator('#panel script, #panel [onerror], #panel iframe, #panel object').count(), 0, 'active elements in the transcript');
  await page.waitForTimeout(200);
  assertEqual(await page.evaluate(() => window.__xss), undefined, 'a script ran');
  await page.screenshot({ path: path.join(SHOTS, 'transcript.png') });
});

test('client data tab shows grid, memory, tracker, pageviews, events and triggers', async (page, context) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  await page.click('#panel .tab[data-tab="client"]');
  await page.waitForSelector('#panel .grid8');
  const cells = await page.$$eval('#panel .grid8 .cell', (els) => els.map((e) => [e.querySelector('.cell-label').textContent, e.querySelector('.cell-value').textContent]));
  assertEqual(cells, [['Channel', 'VoIP'], ['Status', 'Closed'], ['Duration', '3m 05s'], ['Messages', '3'], ['Sentiment', 'Positive'],
    ['Converted', 'Yes'], ['Session ID', 'voice-call-1'], ['Started', 'Mar 30, 2024, 10:00 AM']], '8-cell grid');
  const memory = await page.$$eval('#panel .memory-card', (els) => Object.fromEntries(els.map((e) => [e.dataset.key, e.querySelector('.memory-value').textContent]).sort()));
  assertEqual(memory, { name: 'Dana', order_id: 'A-1001', plan: 'Pro' }, 'memory cards');
  const session = await page.textContent('#panel .cd-session');
  for (const s of ['Desktop', 'Firefox 124', 'Ubuntu 22.04', 'Berlin, Germany', 'https://shop.example/pricing', 'newsletter / email', '12m 34s']) {
    assert(session.includes(s), `tracker session lacks ${s}`);
  }
  const pageviews = await page.$$eval('#panel .pageview', (els) => els.map((e) => e.querySelector('.pv-title').textContent + ' | ' + e.querySelector('.pv-stats').textContent));
  assertEqual(pageviews, ['Pricing | Time spent 3m 05sScroll depth 80%', 'Checkout | Time spent 42sScroll depth 35%'], 'pageviews');
  const events = await page.$$eval('#panel .event .event-name', (els) => els.map((e) => e.textContent));
  assertEqual(events, ['add_to_cart', 'scrolled_to_faq'], 'events (triggers are listed apart)');
  assertEqual(await page.textContent('#panel .trigger-name'), 'Exit intent offer', 'trigger');
  assert(await page.locator('#panel .trigger-data pre').isHidden(), 'trigger JSON expanded before a click');
  await page.click('#panel .trigger-data summary');
  assert((await page.textContent('#panel .trigger-data pre')).includes('"discount": "SPRING10"'), 'trigger JSON');
  await page.click('#panel .copy-json');
  await page.waitForSelector('#panel .copy-json:has-text("Copied")');
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  assertEqual(Object.entries(copied).sort(), [['cart_value', 129.9], ['discount', 'SPRING10'], ['items', ['Pro plan']]], 'copied JSON');
  await page.screenshot({ path: path.join(SHOTS, 'client-data.png') });
});

test('player draws the waveform and cycles speed 0.5× to 2.0×', async (page) => {
  const audio = recordAudio(page);
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  await page.waitForSelector('#panel .player .waveform');
  await waitPlayer(page, () => !!document.querySelector('#panel .player .player-clip')?.textContent);
  assertEqual(await page.textContent('#panel .player-clip'), 'Clip 1 of 3', 'clip label');
  await until(() => audio.some((a) => a.url.includes(`/audio/${seed.voice.clips[0]}/peaks`)), 'peaks not requested');
  assert(!audio.some((a) => /\/audio\/\d+$/.test(a.url)), 'audio bytes fetched before play or seek');
  const seen = [];
  for (let i = 0; i < 4; i += 1) {
    await page.click('#panel .speed');
    seen.push([await page.textContent('#panel .speed'), await page.evaluate(() => document.querySelector('#panel .player-audio').playbackRate)]);
  }
  assertEqual(seen, [['1.5×', 1.5], ['2.0×', 2], ['0.5×', 0.5], ['1.0×', 1]], 'speed cycle');
});

test('clicking the waveform seeks with a Range request', async (page) => {
  const audio = recordAudio(page);
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  await page.waitForSelector('#panel .player .waveform');
  const clip = seed.voice.clips[0];
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/audio/${clip}`) && /^bytes=[1-9]\d*-/.test(r.request().headers().range || '')),
    clickWaveform(page, 0.5),
  ]);
  assertEqual(response.status(), 206, 'range answer status');
  const start = Number(/^bytes=(\d+)-/.exec(response.request().headers().range)[1]);
  assert(start > 40000 && start < 56000, `range starts at ${start}, not near the middle of a 6 s 16 kB/s clip`);
  assert(/^bytes \d+-\d+\/\d+$/.test(response.headers()['content-range'] || ''), 'Content-Range missing');
  // the middle of the 6 s clip: 3 s, or 2.99… when the click lands a pixel left of it (the label floors)
  await waitPlayer(page, () => /^0:0[23] /.test(document.querySelector('#panel .player-time').textContent), undefined, 20000)
    .catch(async (e) => {
      const state = await page.evaluate(() => `label ${document.querySelector('#panel .player-time').textContent}, `
        + `element at ${document.querySelector('#panel .player-audio').currentTime}`);
      throw new Error(`${state}: ${e.message}`);
    });
  await page.waitForTimeout(200);
  await page.locator('#panel .player').screenshot({ path: path.join(SHOTS, 'player.png') });
  await page.click('#panel .skip-forward');
  await waitPlayer(page, () => document.querySelector('#panel .player-time').textContent === '0:06 / 0:06'
    || document.querySelector('#panel .player-time').textContent.startsWith('0:05'));
  const before = audio.length;
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/audio/${clip}`) && /^bytes=44-/.test(r.request().headers().range || '')),
    clickWaveform(page, 0.02).then(() => page.click('#panel .skip-back')),
  ]);
  assert(audio.length > before, 'seeking before the loaded part made no request');
});

test('play advances automatically to the next clip', async (page) => {
  const audio = recordAudio(page);
  await gotoApp(page);
  await openDetail(page, 'voice-call-1');
  await page.waitForSelector('#panel .player .waveform');
  await clickWaveform(page, 0.9);
  await waitPlayer(page, () => document.querySelector('#panel .player-time').textContent.startsWith('0:05'));
  await page.click('#panel .player .play');
  await waitPlayer(page, () => document.querySelector('#panel .player-clip').textContent === 'Clip 2 of 3', undefined, 15000);
  await waitPlayer(page, () => document.querySelector('#panel .player-slot').dataset.state === 'playing'
    && document.querySelector('#panel .player-audio').currentTime > 0, undefined, 15000);
  assert(audio.some((a) => a.url.endsWith(`/audio/${seed.voice.clips[1]}`) && a.range), 'second clip not fetched by range');
  await page.click('#panel .player .play');
  await waitPlayer(page, () => document.querySelector('#panel .player-slot').dataset.state === 'paused');
});

test('Ogg/Opus, MP3 and WebM clips play, seek and advance', async (page) => {
  const audio = recordAudio(page);
  await gotoApp(page);
  await openDetail(page, 'voice-formats');
  await page.waitForSelector('#panel .player .waveform');
  const clips = seed.voiceFormats.clips;
  assertEqual(clips.map((c) => c.mime), ['audio/ogg', 'audio/mpeg', 'audio/webm'], 'formats stored');
  const position = () => page.evaluate(() => document.querySelector('#panel .player-time').textContent);
  for (const [i, clip] of clips.entries()) {
    await waitPlayer(page, (n) => document.querySelector('#panel .player-clip').textContent === `Clip ${n} of 3`, i + 1);
    assert(clip.duration_ms > 5000, `clip ${i + 1} has its decoded duration (${clip.duration_ms} ms)`);
    await waitPlayer(page, () => !document.querySelector('#panel .waveform').classList.contains('no-peaks'));
    // click at 50%: the element plays from the middle
    await clickWaveform(page, 0.5);
    await waitPlayer(page, () => document.querySelector('#panel .player-audio').readyState >= 1, undefined, 15000);
    const half = clip.duration_ms / 2000;
    await waitPlayer(page, (h) => Math.abs(document.querySelector('#panel .player-audio').currentTime - h) < 0.3, half, 15000);
    // -5 s and +5 s move the element by five seconds
    await page.click('#panel .skip-back');
    await waitPlayer(page, (h) => Math.abs(document.querySelector('#panel .player-audio').currentTime - Math.max(0, h - 5)) < 0.3, half);
    await page.click('#panel .skip-forward');
    const forward = Math.min(clip.duration_ms / 1000, Math.max(0, half - 5) + 5);
    await waitPlayer(page, (f) => Math.abs(document.querySelector('#panel .player-audio').currentTime - f) < 0.3, forward);
    // the label follows the element's timeupdate events
    await waitPlayer(page, (f) => document.querySelector('#panel .player-time').textContent.startsWith(`0:0${f}`), Math.floor(forward));
    assert((await position()).startsWith(`0:0${Math.floor(forward)}`), `time label after seeking: ${await position()}`);
    assert(audio.some((a) => a.url.endsWith(`/audio/${clip.id}`)), `clip ${clip.id} fetched`);
    if (i < clips.length - 1) {
      // play the last second: the player moves on to the next clip by itself
      await clickWaveform(page, 0.9);
      await waitPlayer(page, () => document.querySelector('#panel .player-audio').readyState >= 1);
      await page.click('#panel .player .play');
      await waitPlayer(page, (n) => document.querySelector('#panel .player-clip').textContent === `Clip ${n} of 3`, i + 2, 15000);
      await waitPlayer(page, () => document.querySelector('#panel .player-slot').dataset.state === 'playing'
        && document.querySelector('#panel .player-audio').currentTime > 0.2, undefined, 15000);
      await page.click('#panel .player .play');
      await waitPlayer(page, () => document.querySelector('#panel .player-slot').dataset.state === 'paused');
    }
  }
});

test('rating removal from the panel', async (page) => {
  await gotoApp(page);
  await openDetail(page, 'rate-me');
  assertEqual(await page.getAttribute('#panel .sb-rating .stars', 'data-score'), '4', 'rating before');
  await page.click('#panel .remove-rating');
  await page.waitForSelector('#confirm-dialog[open]');
  assert((await page.textContent('#confirm-body')).includes('4-star rating and its comment'), 'confirmation text');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/conversations/${seed.rate.id}/rating`)),
    page.click('#confirm-ok'),
  ]);
  assertEqual(response.status(), 204, 'DELETE rating status');
  await page.waitForSelector('#panel .sb-rating .no-rating');
  assertEqual(await fact(page, 'sb-rating'), 'No rating', 'sidebar');
  assertEqual(await page.textContent(`#table-root tr.row[data-session="rate-me"] .col-rating`), '—', 'table row');
  assertEqual((await apiGet(`/conversations/${seed.rate.id}`)).body.rating, null, 'API still has the rating');
});

test('delete asks for confirmation, then the row disappears', async (page) => {
  await gotoApp(page);
  const row = '#table-root tr.row[data-session="delete-me"]';
  await page.click(`${row} .delete-row`);
  await page.waitForSelector('#confirm-dialog[open]');
  assertEqual(await page.textContent('#confirm-title'), 'Delete this conversation forever?', 'title');
  const body = await page.textContent('#confirm-body');
  for (const s of ['delete-me', 'permanently removed', '3 messages', 'voice recordings', 'its client rating', 'cannot be undone']) {
    assert(body.includes(s), `confirmation lacks "${s}": ${body}`);
  }
  await page.click('#confirm-dialog button[value="cancel"]');
  assert(await page.$(row), 'cancel removed the row');
  assertEqual((await apiGet(`/conversations/${seed.delete.id}`)).status, 200, 'cancel deleted it');
  await page.click(`${row} .delete-row`);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/conversations/${seed.delete.id}`)),
    page.click('#confirm-ok'),
  ]);
  assertEqual(response.status(), 204, 'DELETE status');
  await page.waitForSelector(row, { state: 'detached' });
  assertEqual((await apiGet(`/conversations/${seed.delete.id}`)).status, 404, 'conversation still exists');
  assertEqual(await page.textContent('#summary'), `Showing 49 of ${seed.total - 1} conversations`, 'summary after delete');
});

test('deleting from the detail panel closes it and the API no longer has it', async (page) => {
  const before = (await apiGet('/conversations?q=bulk-001&limit=200')).body.data.filter((r) => r.session_id === 'bulk-001');
  assertEqual(before.length, 1, 'bulk-001 listed before the delete');
  const { id } = before[0];
  assertEqual((await apiGet(`/conversations/${id}`)).status, 200, 'detail before the delete');
  await gotoApp(page, '?q=bulk-001');
  await openDetail(page, 'bulk-001');
  await page.click('#panel .delete-conversation');
  await page.waitForSelector('#confirm-dialog[open]');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith(`/conversations/${id}`)),
    page.click('#confirm-ok'),
  ]);
  assertEqual(response.status(), 204, 'DELETE status');
  await page.waitForSelector('#panel:not(.open)', { state: 'attached' });
  await page.waitForSelector('#table-root tr.row[data-session="bulk-001"]', { state: 'detached' });
  assertEqual((await apiGet(`/conversations/${id}`)).status, 404, 'detail after the delete');
  assertEqual((await apiGet(`/conversations/${id}/messages`)).status, 404, 'transcript after the delete');
  assert(!(await apiSessions('q=bulk-001')).includes('bulk-001'), 'the list still has bulk-001');
});

test('a bad API key gets an error that lets the user enter a new one', async (page) => {
  await page.goto(`${BASE}/`);
  await page.evaluate(() => localStorage.setItem('convdash.apiKey', 'not-a-valid-key'));
  await gotoApp(page);
  await page.waitForSelector('.table-status.state-error');
  assert((await page.textContent('.table-status')).includes('Your API key was not accepted'), 'error text');
  await page.click('.table-status button:has-text("Enter API key")');
  await page.waitForSelector('#key-dialog[open]');
  await page.fill('#key-input', KEY);
  await reloadTable(page, () => page.click('#key-form button[value="save"]'));
  assert((await rows(page)).length > 0, 'no rows with the corrected key');
});

test('database down shows a clear error', async (page) => {
  assert(DOWN, 'E2E_DOWN_URL not set');
  await page.goto(`${DOWN}/`);
  await page.waitForSelector('#key-dialog[open]');
  await page.fill('#key-input', KEY);
  await page.click('#key-form button[value="save"]');
  await page.waitForSelector('.table-status.state-error');
  assert((await page.textContent('.table-status')).includes('The database is unavailable'), `error text: ${await page.textContent('.table-status')}`);
});

test('phone layout shows cards and a full-screen panel', async (page) => {
  await gotoApp(page);
  assertEqual(await page.$eval('#table-root tbody tr.row', (tr) => getComputedStyle(tr).display), 'grid', 'rows are cards');
  assert(await page.locator('#table-root th button.sort[data-sort="rating"]').isVisible(), 'sort buttons hidden');
  await page.screenshot({ path: path.join(SHOTS, 'phone.png') });
  await openDetail(page, 'voice-call-1');
  await page.waitForTimeout(350);
  const box = await page.locator('#panel').boundingBox();
  assertEqual([Math.round(box.x), Math.round(box.width)], [0, 390], 'panel position and width');
  await page.screenshot({ path: path.join(SHOTS, 'phone-detail.png') });
}, { viewport: { width: 390, height: 844 } });

// ---- live updates (GET /api/v1/events): these cases create conversations, so they run last

// Open the page and wait until its live stream is connected (and the service follows it).
async function gotoLive(page, query = '', base = BASE) {
  await page.goto(`${base}/${query}`);
  await tableReady(page);
  await page.waitForSelector('#live[data-state="live"]');
  await page.waitForTimeout(200); // the service reads the tenant's position on its next poll (20 ms)
}

// Start a conversation of the first agent through the API (started now); returns its id.
async function newConversation(session, channel = 'web') {
  const agent = (await apiGet('/agents')).body.data[0].id;
  return (await apiSend('POST', '/conversations', { agent_id: agent, session_id: session, channel })).id;
}

// Note in the page (window.liveSeenAt, by a MutationObserver: not slowed down
// in a background tab the way polling is) when a selector first matches (or,
// with gone, first matches nothing).
function watchFor(page, selector, gone = false) {
  return page.evaluate(([sel, absent]) => {
    window.liveSeenAt = null;
    const check = () => { if (!window.liveSeenAt && !document.querySelector(sel) === absent) window.liveSeenAt = Date.now(); };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true });
    check();
  }, [selector, gone]);
}

// Run an action on one page that answers with a write request; returns how
// many ms after that write's answer the other page saw the selector.
async function seenAfterWrite(actor, action, method, observer, selector, gone = false) {
  await watchFor(observer, selector, gone);
  const [response] = await Promise.all([actor.waitForResponse((r) => r.request().method() === method), action()]);
  const answered = Date.now();
  assert(response.ok(), `${method} answered ${response.status()}`);
  await observer.waitForFunction(() => window.liveSeenAt, null, { timeout: 5000 });
  return (await observer.evaluate(() => window.liveSeenAt)) - answered;
}

// Count the list requests a page makes from now on.
function countListRequests(page) {
  const counter = { n: 0 };
  page.on('request', (r) => { if (/\/api\/v1\/conversations\?/.test(r.url())) counter.n += 1; });
  return counter;
}

test('live: the indicator shows the stream is connected', async (page) => {
  await gotoLive(page);
  assertEqual(await page.textContent('#live .live-text'), 'Live', 'indicator text');
});

test('live: a message appended through the API appears in the open transcript', async (page) => {
  const id = await newConversation('live-transcript');
  await apiSend('POST', `/conversations/${id}/messages`, { role: 'user', content: 'first message' });
  await gotoLive(page, '?q=live-transcript');
  await openDetail(page, 'live-transcript');
  await page.click('#panel .tab[data-tab="transcript"]');
  await page.waitForSelector('#panel .transcript .bubble');
  await page.$eval('#panel .transcript .bubble', (li) => { li.dataset.marker = 'kept'; });
  const lists = countListRequests(page);
  await apiSend('POST', `/conversations/${id}/messages`, { role: 'assistant', content: 'a **live** answer' });
  await page.waitForSelector('#panel .transcript .bubble-assistant .bubble-body strong');
  const bubbles = await page.$$eval('#panel .transcript .bubble', (lis) => lis.map((li) => [li.dataset.role, li.textContent.includes('live answer'), li.dataset.marker || null]));
  assertEqual(bubbles.map((b) => b[0]), ['assistant', 'user'], 'newest first');
  assert(bubbles[0][1], 'the new bubble holds the message');
  assertEqual(bubbles[1][2], 'kept', 'the bubble shown before was kept, not redrawn');
  await page.waitForFunction(() => document.querySelector('#panel .sb-messages dd').textContent === '2');
  await page.waitForFunction(() => document.querySelector('#panel .pager-info').textContent.includes('2 messages'));
  await page.waitForFunction(() => document.querySelector('#table-root tr.row[data-session="live-transcript"] .col-messages').textContent === '2');
  assertEqual(lists.n, 0, 'list requests (a full reload) after the message');
});

test('live: the open panel updates overview, sidebar and memory cards', async (page) => {
  const id = await newConversation('live-panel');
  await gotoLive(page, '?q=live-panel');
  await openDetail(page, 'live-panel');
  await page.click('#panel .tab[data-tab="client"]');
  await page.waitForSelector('#panel .cd-memory');
  await apiSend('PATCH', `/conversations/${id}/memory`, { city: 'Lisbon' });
  await page.waitForSelector('#panel .cd-memory .memory-card[data-key="city"]');
  assertEqual(await page.textContent('#panel .memory-card[data-key="city"] .memory-value'), 'Lisbon', 'memory card');
  await apiSend('PUT', `/conversations/${id}/sentiment`, { label: 'negative' });
  await apiSend('POST', `/conversations/${id}/close`, {});
  await page.waitForSelector('#panel .panel-header .status-closed');
  await page.click('#panel .tab[data-tab="overview"]');
  await page.waitForSelector('#panel .ov-sentiment .sentiment-negative');
  assertEqual(await page.textContent('#panel .ov-status dd'), 'Closed', 'overview status');
  await page.waitForSelector('#table-root tr.row[data-session="live-panel"] .status-closed');
});

test('live: a new conversation appears at the top of the table, highlighted', async (page) => {
  await gotoLive(page);
  const total = Number((await page.textContent('#summary')).match(/of (\d+)/)[1]);
  await newConversation('live-new-row');
  await page.waitForSelector('#table-root tbody tr.row:first-child[data-session="live-new-row"].live-new');
  await page.waitForFunction((n) => document.querySelector('#summary').textContent.includes(`of ${n} `), total + 1);
});

test('live: a new conversation that does not match the filters stays out', async (page) => {
  await gotoLive(page, '?channel=telegram');
  const before = (await rows(page)).map((r) => r.session);
  await newConversation('live-web-only', 'web');
  await newConversation('live-telegram', 'telegram');
  await page.waitForSelector('#table-root tbody tr.row:first-child[data-session="live-telegram"]');
  const after = (await rows(page)).map((r) => r.session);
  assertEqual(after, ['live-telegram', ...before], 'rows after the two conversations');
});

test('live: a conversation that no longer matches the filters leaves the table', async (page) => {
  const id = await newConversation('live-leaves');
  await gotoLive(page, '?status=active');
  const total = Number((await page.textContent('#summary')).match(/of (\d+)/)[1]);
  await page.waitForSelector('#table-root tr.row[data-session="live-leaves"]');
  await apiSend('POST', `/conversations/${id}/close`, {});
  await page.waitForSelector('#table-root tr.row[data-session="live-leaves"]', { state: 'detached' });
  await page.waitForFunction((n) => document.querySelector('#summary').textContent.includes(`of ${n} `), total - 1);
});

test('live: a rating added shows its stars in the row and the panel', async (page) => {
  const id = await newConversation('live-rating');
  await gotoLive(page, '?q=live-rating');
  await openDetail(page, 'live-rating');
  assertEqual(await fact(page, 'sb-rating'), 'No rating', 'sidebar before');
  await apiSend('PUT', `/conversations/${id}/rating`, { score: 3, comment: 'ok' });
  await page.waitForSelector('#table-root tr.row[data-session="live-rating"] .stars[data-score="3"]');
  await page.waitForSelector('#panel .sb-rating .stars[data-score="3"]');
  assert(await page.$('#table-root tr.row[data-session="live-rating"].selected'), 'the open row stays selected');
});

test('live: a deleted conversation disappears and the open panel says so', async (page) => {
  const id = await newConversation('live-delete');
  const other = await newConversation('live-delete-row');
  await gotoLive(page);
  await openDetail(page, 'live-delete');
  await apiSend('DELETE', `/conversations/${id}`);
  await apiSend('DELETE', `/conversations/${other}`);
  await page.waitForSelector('#table-root tr.row[data-session="live-delete"]', { state: 'detached' });
  await page.waitForSelector('#table-root tr.row[data-session="live-delete-row"]', { state: 'detached' });
  await page.waitForSelector('#panel.open .state-deleted');
  assert((await page.textContent('#panel .state-deleted')).includes('was deleted'), 'panel text');
});

test('live: after a lost connection the page reconnects with Last-Event-ID and misses nothing', async (page, context) => {
  const id = await newConversation('live-resume');
  await gotoLive(page, '?q=live-resume');
  await apiSend('POST', `/conversations/${id}/messages`, { role: 'user', content: 'before the cut' });
  await page.waitForFunction(() => document.querySelector('#table-root tr.row[data-session="live-resume"] .col-messages').textContent === '1');
  const resumes = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/events')) resumes.push(r.headers()['last-event-id'] || null); });
  await context.setOffline(true);
  try {
    await page.waitForSelector('#live[data-state="reconnecting"]');
    await apiSend('PUT', `/conversations/${id}/rating`, { score: 2 });
    await apiSend('POST', `/conversations/${id}/messages`, { role: 'user', content: 'during the cut' });
  } finally {
    await context.setOffline(false);
  }
  await page.waitForSelector('#live[data-state="live"]', { timeout: 20000 });
  await page.waitForSelector('#table-root tr.row[data-session="live-resume"] .stars[data-score="2"]');
  await page.waitForFunction(() => document.querySelector('#table-root tr.row[data-session="live-resume"] .col-messages').textContent === '2');
  assert(resumes.length > 0 && resumes.every((h) => /^\d+$/.test(h || '')), `reconnects without Last-Event-ID: ${JSON.stringify(resumes)}`);
});

test('live: two pages of a tenant see each other\'s changes within a second, another tenant sees nothing', async (page, context) => {
  assert(OTHER_KEY, 'E2E_OTHER_KEY not set');
  const a = await newConversation('live-two-a');
  await apiSend('PUT', `/conversations/${a}/rating`, { score: 5 });
  const b = await newConversation('live-two-b');
  const second = await context.newPage();
  // the other tenant's page runs on another origin (localhost), so it keeps its own key in localStorage
  const otherBase = BASE.replace('127.0.0.1', 'localhost');
  const third = await context.newPage();
  try {
    await third.goto(`${otherBase}/`);
    await third.waitForSelector('#key-dialog[open]');
    await third.fill('#key-input', OTHER_KEY);
    await third.click('#key-form button[value="save"]');
    await tableReady(third);
    await third.waitForSelector('#live[data-state="live"]');
    const thirdLists = countListRequests(third);
    await gotoLive(page, '?q=live-two');
    await gotoLive(second, '?q=live-two');

    // the first page removes a rating; the second sees the stars go
    await openDetail(page, 'live-two-a');
    await page.click('#panel .remove-rating');
    const ratingMs = await seenAfterWrite(page, () => page.click('#confirm-ok'), 'DELETE',
      second, '#table-root tr.row[data-session="live-two-a"] .no-rating');

    // the second page deletes a conversation; the first sees the row go
    await second.click('#table-root tr.row[data-session="live-two-b"] .delete-row');
    const deleteMs = await seenAfterWrite(second, () => second.click('#confirm-ok'), 'DELETE',
      page, '#table-root tr.row[data-session="live-two-b"]', true);

    // a conversation created through the API: both pages of the tenant show it
    await watchFor(second, '#table-root tr.row[data-session="live-two-c"]');
    await newConversation('live-two-c');
    await page.waitForSelector('#table-root tr.row[data-session="live-two-c"]', { timeout: 5000 });
    await second.waitForFunction(() => window.liveSeenAt, null, { timeout: 5000 });
    assert(ratingMs < 1000 && deleteMs < 1000, `seen after ${ratingMs} ms (rating) and ${deleteMs} ms (delete), not within a second`);
    console.log(`#   the other page saw a removed rating after ${ratingMs} ms, a delete after ${deleteMs} ms`);

    await third.waitForTimeout(500);
    assertEqual(await third.$$eval('#table-root tbody tr.row', (trs) => trs.length), 0, 'rows on the other tenant\'s page');
    assertEqual(thirdLists.n, 0, 'list requests the other tenant\'s page made');
    assertEqual(await third.textContent('#live .live-text'), 'Live', 'the other tenant\'s page is connected');
  } finally {
    await second.close();
    await third.close();
  }
});

const failed = await run({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', screenshotDir: SHOTS, only: process.env.E2E_ONLY });
process.exit(failed ? 1 : 0);
