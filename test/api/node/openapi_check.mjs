// Keeps api/openapi.json honest. Prints one "ok - ..." / "not ok - ..." line
// per case (the API suite counts them):
// - the document is valid OpenAPI 3.1 (the official schema) and the service
//   serves exactly this file without a key;
// - its operations are the router's: every X(...) of api/src/routes.h is
//   documented and nothing documented is missing from routes.h, and the
//   running service routes every documented operation (no 404/405);
// - real answers of the service validate against the document's response
//   schema for their status: reads, writes, errors, export lines.
// Usage: node openapi_check.mjs REPO_ROOT BASE_URL READ_KEY WRITE_KEY SAMPLES_JSON
// SAMPLES_JSON: {"conversation","closed_conversation","voice_conversation","clip"}
// ids of READ_KEY's tenant. Writes (a new agent, tracker session and
// conversation) go to WRITE_KEY's tenant.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [root, base, key, writeKey, samplesJson] = process.argv.slice(2);
const samples = JSON.parse(samplesJson);
const docText = readFileSync(`${root}/api/openapi.json`, 'utf8');
const doc = JSON.parse(docText);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
let failures = 0;

// Prints one case.
function report(ok, name, why = '') {
	if (!ok) failures++;
	console.log(`${ok ? 'ok' : 'not ok'} - openapi: ${name}${ok || !why ? '' : `: ${why}`}`);
}

// The routes of api/src/routes.h as "METHOD path" (the CONV macro expanded).
function routerTable() {
	const src = readFileSync(`${root}/api/src/routes.h`, 'utf8');
	const conv = /#define CONV "([^"]*)"/.exec(src)[1];
	const out = [];
	for (const m of src.matchAll(/X\("([A-Z]+)",\s*(CONV)?\s*(?:"([^"]*)")?\s*,/g))
		out.push(`${m[1]} ${(m[2] ? conv : '') + (m[3] ?? '')}`);
	return out;
}

// The operations of the document as "METHOD path".
function documented() {
	return Object.entries(doc.paths).flatMap(([p, item]) =>
		Object.keys(item).filter((k) => METHODS.includes(k)).map((k) => `${k.toUpperCase()} ${p}`));
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi.json');

// A JSON pointer token.
const tok = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

// The validator of an operation's response schema for status and media type, or null when undocumented.
function responseValidator(method, path, status, type) {
	const op = doc.paths[path]?.[method.toLowerCase()];
	let res = op?.responses?.[String(status)];
	let pointer = `#/paths/${tok(path)}/${method.toLowerCase()}/responses/${status}`;
	if (res?.$ref) {
		pointer = res.$ref;
		res = res.$ref.split('/').slice(1).reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
	}
	if (!res?.content?.[type]?.schema) return null;
	return ajv.compile({ $ref: `openapi.json${pointer}/content/${tok(type)}/schema` });
}

// Calls the service; the status, media type (without parameters) and body text.
async function call(method, path, { auth = true, body, type = 'application/json', as = key } = {}) {
	const headers = auth ? { Authorization: `Bearer ${as}` } : {};
	if (body !== undefined) headers['Content-Type'] = type;
	const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], text: await res.text() };
}

// One case: the answer has the expected status and validates against the
// document's schema for that operation, status and media type. Returns the parsed body.
async function validates(name, method, template, path, want, options) {
	const res = await call(method, path, options);
	const validate = responseValidator(method, template, res.status, res.type);
	let body = null;
	try { body = JSON.parse(res.text); } catch { /* checked below */ }
	if (res.status !== want) report(false, name, `status ${res.status}, want ${want}: ${res.text.slice(0, 200)}`);
	else if (!validate) report(false, name, `no ${res.type} schema for ${method} ${template} ${res.status}`);
	else if (!validate(body)) report(false, name, ajv.errorsText(validate.errors) + ` in ${res.text.slice(0, 200)}`);
	else report(true, name);
	return body;
}

const v = await new Validator().validate(doc);
report(v.valid, 'the document is valid OpenAPI 3.1', JSON.stringify(v.errors)?.slice(0, 300));
const served = await call('GET', '/api/v1/openapi.json', { auth: false });
report(served.status === 200 && served.type === 'application/json' && served.text === docText,
	'GET /api/v1/openapi.json without a key serves api/openapi.json as it is', `status ${served.status}`);

const router = routerTable(), docs = documented();
const undocumented = router.filter((r) => !docs.includes(r)), unrouted = docs.filter((d) => !router.includes(d));
report(router.length > 20 && undocumented.length === 0, `every route of routes.h is documented (${router.length})`, undocumented.join(', '));
report(unrouted.length === 0, 'every documented operation is in routes.h', unrouted.join(', '));
const notServed = [];
for (const op of docs) {
	const [method, path] = op.split(' ');
	const secured = (doc.paths[path][method.toLowerCase()].security ?? doc.security).length > 0;
	const res = await call(method, path.replace(/\{id\}/g, '1'), { auth: false });
	// without a key a secured route answers 401 before anything else; an open one is served
	if (secured ? res.status !== 401 : [404, 405].includes(res.status)) notServed.push(`${op}: ${res.status}`);
}
report(notServed.length === 0, 'the running service routes every documented operation (401 without a key, or served)', notServed.join(', '));
report(['bearer'].every((s) => doc.components.securitySchemes[s]?.scheme === 'bearer') && doc.security[0].bearer,
	'the bearer security scheme applies by default');

const C = '/api/v1/conversations';
const { conversation: c1, closed_conversation: c2, voice_conversation: c3, clip } = samples;
await validates('list', 'GET', C, `${C}?limit=2`, 200);
await validates('list with count=exact', 'GET', C, `${C}?count=exact&status=closed,archived`, 200);
await validates('search (rows carry match)', 'GET', C, `${C}?q=4711`, 200);
await validates('word search (match with marks)', 'GET', C, `${C}?q=ships&match=words`, 200);
await validates('word search by relevance', 'GET', C, `${C}?q=ships%20or%20hello&match=words&sort=relevance&limit=1`, 200);
await validates('empty search with suggestions', 'GET', C, `${C}?q=Avaa`, 200);
await validates('error: bad match', 'GET', C, `${C}?q=x&match=regex`, 400);
await validates('detail', 'GET', `${C}/{id}`, `${C}/${c1}`, 200);
await validates('detail of an active voice conversation', 'GET', `${C}/{id}`, `${C}/${c3}`, 200);
await validates('transcript', 'GET', `${C}/{id}/messages`, `${C}/${c1}/messages`, 200);
await validates('transcript with audio ids', 'GET', `${C}/{id}/messages`, `${C}/${c3}/messages`, 200);
await validates('client data with a tracker session', 'GET', `${C}/{id}/client-data`, `${C}/${c1}/client-data`, 200);
await validates('client data without one', 'GET', `${C}/{id}/client-data`, `${C}/${c2}/client-data`, 200);
await validates('audio list', 'GET', `${C}/{id}/audio`, `${C}/${c3}/audio`, 200);
await validates('peaks', 'GET', '/api/v1/audio/{id}/peaks', `/api/v1/audio/${clip}/peaks?buckets=8`, 200);
await validates('agents', 'GET', '/api/v1/agents', '/api/v1/agents', 200);
await validates('healthz', 'GET', '/healthz', '/healthz', 200, { auth: false });
await validates('error: bad parameter', 'GET', C, `${C}?min_rating=9`, 400);
await validates('error: unknown id', 'GET', `${C}/{id}`, `${C}/999999999`, 404);
await validates('error: no key', 'GET', '/api/v1/agents', '/api/v1/agents', 401, { auth: false });
await validates('error: bad body', 'POST', '/api/v1/agents', '/api/v1/agents', 400, { body: { name: 5 } });
await validates('error: bad export format', 'GET', `${C}/export`, `${C}/export?format=xml`, 400);

const agent = await validates('create agent', 'POST', '/api/v1/agents', '/api/v1/agents', 201,
	{ as: writeKey, body: { name: `OpenAPI ${Date.now()}`, company: 'Spec', mode: 'hybrid' } });
const ts = await validates('create tracker session', 'POST', '/api/v1/tracker/sessions', '/api/v1/tracker/sessions', 201,
	{ as: writeKey, body: { device: 'desktop', browser: 'Firefox', bounce: false } });
await validates('add pageview', 'POST', '/api/v1/tracker/sessions/{id}/pageviews', `/api/v1/tracker/sessions/${ts?.id}/pageviews`, 201,
	{ as: writeKey, body: { url: '/spec', title: 'Spec', time_spent_seconds: 3, scroll_depth: 50 } });
await validates('add trigger event', 'POST', '/api/v1/tracker/sessions/{id}/events', `/api/v1/tracker/sessions/${ts?.id}/events`, 201,
	{ as: writeKey, body: { name: 'exit', type: 'trigger', trigger: { name: 'exit', action: 'open_chat', data: { a: [1] } } } });
const conv = await validates('start conversation', 'POST', C, C, 201,
	{ as: writeKey, body: { agent_id: agent?.id, session_id: 'openapi', channel: 'web', tracker_session_id: ts?.id } });
const id = conv?.id;
await validates('append message', 'POST', `${C}/{id}/messages`, `${C}/${id}/messages`, 201,
	{ as: writeKey, body: { role: 'user', content: 'hello spec', prompt_tokens: 3 } });
await validates('merge memory', 'PATCH', `${C}/{id}/memory`, `${C}/${id}/memory`, 200,
	{ as: writeKey, body: { email: 'spec@example.com' }, type: 'application/merge-patch+json' });
await validates('set sentiment', 'PUT', `${C}/{id}/sentiment`, `${C}/${id}/sentiment`, 200, { as: writeKey, body: { label: 'neutral', score: 0 } });
await validates('rate', 'PUT', `${C}/{id}/rating`, `${C}/${id}/rating`, 200, { as: writeKey, body: { score: 3, comment: 'ok' } });
await validates('set converted', 'PATCH', `${C}/{id}`, `${C}/${id}`, 200, { as: writeKey, body: { converted: true } });
await validates('close', 'POST', `${C}/{id}/close`, `${C}/${id}/close`, 200, { as: writeKey, body: { end_reason: 'done' } });
await validates('archive', 'POST', `${C}/{id}/archive`, `${C}/${id}/archive`, 200, { as: writeKey });
await validates('error: message to an archived conversation', 'POST', `${C}/{id}/messages`, `${C}/${id}/messages`, 409,
	{ as: writeKey, body: { role: 'user', content: 'late' } });

// every NDJSON line of an export (with transcripts) against the ExportRow schema
const exp = await call('GET', `${C}/export?format=ndjson&include=messages&q=openapi`, { as: writeKey });
const line = responseValidator('GET', `${C}/export`, 200, 'application/x-ndjson');
const lines = exp.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
// The validation errors of the first line that does not validate, or ''.
const lineErrors = (ls) => ls.some((l) => !line(l)) ? ajv.errorsText(line.errors) : '';
const why = lineErrors(lines);
report(exp.status === 200 && lines.length === 1 && lines[0].id === id && !why,
	`export NDJSON lines with transcripts validate against ExportRow (${lines.length})`, why || exp.text.slice(0, 200));
const all = await call('GET', `${C}/export?format=ndjson&include=messages`);
const allWhy = lineErrors(all.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
report(all.status === 200 && !allWhy, 'every line of a tenant\'s whole export validates', allWhy);
process.exit(failures ? 1 : 0);
