// Checks that the export of a query equals the list's rows for the same
// query: every page of GET /api/v1/conversations (limit 200, cursors
// followed) against the CSV and the NDJSON export. Same ids in the same
// order, the list's values equal the export's, every CSV cell equals the
// NDJSON value (CSV text cells neutralised when they start like a formula),
// and the CSV header is exactly the export's columns.
// Usage: node export_check.mjs BASE_URL API_KEY 'query string'
// Exit status 0 when it all holds; otherwise the first differences on stderr.

export const COLUMNS = ['id', 'agent_id', 'agent_name', 'agent_company', 'agent_mode', 'session_id', 'channel',
	'status', 'handled_by', 'started_at', 'ended_at', 'duration_seconds', 'message_count', 'text_only',
	'prompt_tokens', 'completion_tokens', 'total_tokens', 'rating', 'rating_comment', 'sentiment',
	'sentiment_score', 'end_reason', 'converted', 'tracker_session_id', 'memory'];
const TEXT = new Set(['agent_name', 'agent_company', 'session_id', 'rating_comment', 'end_reason', 'memory']);

// Parses RFC 4180 CSV (CRLF records, quoted cells with doubled quotes) into
// rows of cells; an unquoted empty cell is null, a quoted empty one "".
export function parseCsv(text) {
	const rows = [];
	let row = [], i = 0;
	while (i < text.length) {
		let cell;
		if (text[i] === '"') {
			let j = i + 1, s = '';
			for (;;) {
				const q = text.indexOf('"', j);
				if (q < 0) throw new Error('unterminated quoted cell');
				s += text.slice(j, q);
				if (text[q + 1] === '"') { s += '"'; j = q + 2; continue; }
				i = q + 1;
				break;
			}
			cell = s;
		} else {
			const m = /[,\r]/g;
			m.lastIndex = i;
			const hit = m.exec(text);
			const end = hit ? hit.index : text.length;
			cell = end === i ? null : text.slice(i, end);
			i = end;
		}
		row.push(cell);
		if (text[i] === ',') { i++; continue; }
		if (text.startsWith('\r\n', i)) { rows.push(row); row = []; i += 2; continue; }
		if (i >= text.length) { rows.push(row); break; }
		throw new Error(`unexpected character ${JSON.stringify(text[i])} at ${i}`);
	}
	return rows;
}

// The CSV text a JSON value of the export becomes (formula cells neutralised).
export function csvText(column, value) {
	if (value === null) return null;
	const s = String(value);
	return TEXT.has(column) && /^[=+@\t\r-]/.test(s) ? "'" + s : s;
}

// GET with the key; the body as text, or an Error with status and body.
async function get(base, key, path) {
	const res = await fetch(base + path, { headers: { Authorization: `Bearer ${key}` } });
	const body = await res.text();
	if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
	return body;
}

// Every row of the list for the query, all pages.
async function listAll(base, key, query) {
	const rows = [];
	let cursor = null;
	do {
		const qs = [query, 'limit=200', cursor && `cursor=${encodeURIComponent(cursor)}`].filter(Boolean).join('&');
		const page = JSON.parse(await get(base, key, `/api/v1/conversations?${qs}`));
		rows.push(...page.data);
		cursor = page.next_cursor;
	} while (cursor);
	return rows;
}

// The differences between the list and the export of one query (empty: none).
export async function compare(base, key, query) {
	const errors = [];
	const sep = query ? '&' : '';
	const list = await listAll(base, key, query);
	const csv = parseCsv(await get(base, key, `/api/v1/conversations/export?${query}${sep}format=csv`));
	const nd = (await get(base, key, `/api/v1/conversations/export?${query}${sep}format=ndjson`))
		.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1).map((l) => JSON.parse(l));
	if (JSON.stringify(csv[0]) !== JSON.stringify(COLUMNS)) errors.push(`CSV header ${JSON.stringify(csv[0])}`);
	const records = csv.slice(1);
	const ids = (xs, f) => xs.map(f).join(',');
	if (ids(list, (r) => r.id) !== ids(nd, (r) => r.id)) errors.push(`NDJSON ids differ from the list's (${nd.length} vs ${list.length} rows)`);
	if (ids(list, (r) => r.id) !== ids(records, (r) => r[0])) errors.push(`CSV ids differ from the list's (${records.length} vs ${list.length} rows)`);
	for (let i = 0; i < Math.min(list.length, nd.length, records.length) && errors.length < 5; i++) {
		const l = list[i], n = nd[i], c = records[i];
		if (JSON.stringify(Object.keys(n)) !== JSON.stringify(COLUMNS)) errors.push(`NDJSON keys of ${n.id}: ${Object.keys(n)}`);
		const want = { id: l.id, agent_id: l.agent.id, agent_name: l.agent.name, agent_company: l.agent.company,
			session_id: l.session_id, channel: l.channel, status: l.status, message_count: l.message_count,
			rating: l.rating, started_at: l.started_at };
		for (const [k, v] of Object.entries(want))
			if (n[k] !== v) errors.push(`row ${l.id}: list ${k} ${JSON.stringify(v)}, NDJSON ${JSON.stringify(n[k])}`);
		if (c.length !== COLUMNS.length) { errors.push(`row ${l.id}: ${c.length} CSV cells`); continue; }
		COLUMNS.forEach((col, j) => {
			if (col === 'memory') {
				const same = n.memory === null ? c[j] === null : c[j] !== null && JSON.stringify(JSON.parse(c[j])) === JSON.stringify(n.memory);
				if (!same) errors.push(`row ${l.id}: CSV memory ${c[j]}, NDJSON ${JSON.stringify(n.memory)}`);
			} else if (c[j] !== csvText(col, n[col])) {
				errors.push(`row ${l.id}: CSV ${col} ${JSON.stringify(c[j])}, NDJSON ${JSON.stringify(n[col])}`);
			}
		});
	}
	return { errors, rows: list.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const [base, key, query = ''] = process.argv.slice(2);
	compare(base, key, query).then(({ errors, rows }) => {
		if (errors.length) {
			for (const e of errors.slice(0, 10)) console.error(e);
			process.exit(1);
		}
		console.log(`${rows} rows`);
	}, (e) => { console.error(e.message); process.exit(2); });
}
