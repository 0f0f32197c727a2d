// Server-sent events read with fetch: GET /api/v1/events needs the Bearer
// header, which an EventSource cannot send. Parses the SSE frames, keeps the
// last event id and reconnects with exponential backoff, resuming with
// Last-Event-ID so nothing committed in between is lost.

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const SILENCE_MS = 45000; // the service sends a keep-alive every 15 s: this long quiet means the connection is dead

// Split a text buffer into complete SSE frames; returns {frames, rest}. A frame is
// {id, event, data} (data lines joined by "\n"); comments and retry lines are skipped.
export function parseFrames(buffer) {
  const frames = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop();
  for (const block of blocks) {
    const frame = { id: null, event: 'message', data: [] };
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data.push(value);
    }
    if (frame.data.length || frame.id != null) frames.push({ id: frame.id, event: frame.event, data: frame.data.join('\n') });
  }
  return { frames, rest };
}

export class EventStream {
  // url: the stream's URL; headers(): the request headers (the key may change);
  // onEvent(type, data, id) for each event (data parsed as JSON);
  // onState(state, detail): 'connecting', 'live', 'reconnecting' (detail: ms
  // until the next try) or 'stopped' (detail: the HTTP status that stopped it).
  constructor(url, { headers, onEvent, onState }) {
    this.url = url;
    this.headers = headers;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = null;
    this.failures = 0;
    this.abort = null;
    this.timer = null;
    this.waiting = false; // a reconnect is scheduled
    this.running = false;
    // the browser knows before the socket does: cut at once when it goes offline, retry at once when it is back
    window.addEventListener('offline', () => { if (this.running && this.abort) this.abort.abort(); });
    window.addEventListener('online', () => {
      if (!this.running || !this.waiting) return;
      clearTimeout(this.timer);
      this.waiting = false;
      this.connect();
    });
  }

  // Start reading the stream afresh (at start-up, or for a new key): no resume.
  start() {
    this.stop();
    this.lastId = null;
    this.running = true;
    this.failures = 0;
    this.connect();
  }

  // Stop reading; no reconnect follows.
  stop() {
    this.running = false;
    this.waiting = false;
    clearTimeout(this.timer);
    if (this.abort) this.abort.abort();
    this.abort = null;
  }

  // One connection: read frames until it ends, then schedule the next one.
  async connect() {
    const abort = new AbortController();
    this.abort = abort;
    this.onState(this.failures ? 'reconnecting' : 'connecting');
    let status = 0;
    try {
      const headers = { Accept: 'text/event-stream', ...this.headers() };
      if (this.lastId != null) headers['Last-Event-ID'] = this.lastId;
      const res = await fetch(this.url, { headers, cache: 'no-store', signal: abort.signal });
      status = res.status;
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.onState('live');
      await this.read(res.body, abort);
    } catch (err) {
      if (abort.signal.aborted && !this.running) return;
    }
    if (!this.running || this.abort !== abort) return;
    if (status === 401 || status === 403) {
      this.running = false;
      this.onState('stopped', status);
      return;
    }
    this.retry();
  }

  // Read the body, dispatching every complete frame; a long silence aborts it.
  async read(body, abort) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
        this.failures = 0;
        buffer += decoder.decode(value, { stream: true });
        const { frames, rest } = parseFrames(buffer);
        buffer = rest;
        for (const f of frames) this.dispatch(f);
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  // Hand one frame to onEvent, remembering its id for the next resume.
  dispatch(frame) {
    if (frame.id != null && frame.id !== '') this.lastId = frame.id;
    let data = null;
    try { data = frame.data ? JSON.parse(frame.data) : null; } catch { return; }
    this.onEvent(frame.event, data, frame.id);
  }

  // Wait (exponential backoff with jitter), then connect again.
  retry() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.failures);
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    this.failures += 1;
    this.onState('reconnecting', wait);
    this.waiting = true;
    this.timer = setTimeout(() => { this.waiting = false; this.connect(); }, wait);
  }
}
