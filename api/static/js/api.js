// Client of the public convdash HTTP API (DESIGN §5): every request carries
// the API key kept in this browser, errors become ApiError.

const KEY_STORAGE = 'convdash.apiKey';
const BASE = '/api/v1';

// An error answered by the API (or a network failure, status 0).
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

// Return the stored API key, or null.
export function getKey() {
  return localStorage.getItem(KEY_STORAGE);
}

// Store the API key in this browser.
export function setKey(key) {
  localStorage.setItem(KEY_STORAGE, key.trim());
}

// Build "?a=1&b=x" from an object, skipping empty values and joining arrays with commas.
function queryString(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    q.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Turn a non-2xx response into an ApiError, reading the JSON error body when there is one.
async function errorFrom(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: keep the status only */ }
  const e = body && body.error ? body.error : {};
  return new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText || 'Request failed', e.field);
}

// Send one request to the API; returns the Response (raw) or the parsed JSON (null for 204).
export async function request(path, { method = 'GET', params, headers, raw = false, signal } = {}) {
  let res;
  try {
    res = await fetch(BASE + path + queryString(params), {
      method,
      signal,
      cache: 'no-store',
      headers: { Authorization: `Bearer ${getKey() || ''}`, Accept: 'application/json', ...headers },
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The convdash service cannot be reached.');
  }
  if (!res.ok) throw await errorFrom(res);
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

// The API's routes used by the dashboard, one function each.
export const api = {
  listConversations: (params, signal) => request('/conversations', { params, signal }),
  conversation: (id, signal) => request(`/conversations/${id}`, { signal }),
  messages: (id, page, perPage, signal) => request(`/conversations/${id}/messages`, { params: { page, per_page: perPage }, signal }),
  clientData: (id, signal) => request(`/conversations/${id}/client-data`, { signal }),
  audioClips: (id, signal) => request(`/conversations/${id}/audio`, { signal }),
  peaks: (clipId, buckets, signal) => request(`/audio/${clipId}/peaks`, { params: { buckets }, signal }),
  audioBytes: (clipId, range, signal) => request(`/audio/${clipId}`, { raw: true, signal, headers: range ? { Range: range } : {} }),
  deleteConversation: (id) => request(`/conversations/${id}`, { method: 'DELETE' }),
  removeRating: (id) => request(`/conversations/${id}/rating`, { method: 'DELETE' }),
  agents: (signal) => request('/agents', { signal }),
};

// Describe an error for a person: a title, a sentence, and whether a new key would help.
export function describeError(err) {
  if (!(err instanceof ApiError)) return { title: 'Something went wrong', detail: String(err && err.message || err), keyProblem: false };
  switch (err.status) {
    case 0: return { title: 'Cannot reach the service', detail: 'The convdash service is not answering. Check that it is running, then retry.', keyProblem: false };
    case 401: return { title: 'Your API key was not accepted', detail: 'The key is missing, mistyped or has been revoked. Enter a valid key to continue.', keyProblem: true };
    case 403: return { title: 'Not allowed', detail: err.message, keyProblem: true };
    case 404: return { title: 'Not found', detail: 'This conversation does not exist any more — it may have been deleted.', keyProblem: false };
    case 400: return { title: 'The request was not valid', detail: err.field ? `${err.message} (${err.field})` : err.message, keyProblem: false };
    case 503: return { title: 'The database is unavailable', detail: 'The service is running but cannot reach its database. Try again in a moment.', keyProblem: false };
    default: return { title: `Something went wrong (${err.status})`, detail: err.message, keyProblem: false };
  }
}
