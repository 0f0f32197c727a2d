// Seeds the e2e database through the public ingest API (DESIGN §5) and
// prints a JSON manifest of the conversations the browser tests look for.
// Usage: node seed.mjs <base-url> <api-key>   (deterministic data, March 2024)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, key] = process.argv.slice(2);
if (!base || !key) {
  console.error('usage: node seed.mjs <base-url> <api-key>');
  process.exit(2);
}

// Send one JSON (or raw) request to the API and return the parsed answer.
async function call(method, path, body, contentType = 'application/json') {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': contentType },
    body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A mono 16-bit PCM WAV: a tone whose pitch and loudness change over time,
// so every clip has a distinct, visibly shaped waveform.
function wav(seconds, frequency, rate = 8000) {
  const frames = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + frames * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + frames * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i += 1) {
    const t = i / rate;
    const envelope = 0.25 + 0.7 * Math.abs(Math.sin(Math.PI * t * 1.3)) * (0.6 + 0.4 * Math.sin(t * 7));
    const sample = Math.sin(2 * Math.PI * frequency * t) * Math.max(0.05, Math.min(1, envelope));
    buf.writeInt16LE(Math.round(sample * 30000), 44 + i * 2);
  }
  return buf;
}

// ISO timestamp `minutes` after a date-time.
function at(iso, minutes = 0) {
  return new Date(Date.parse(iso) + minutes * 60000).toISOString();
}

const CHANNELS = ['web', 'widget', 'telegram', 'whatsapp', 'voip', 'messenger', 'crm'];
const TOPICS = ['billing question', 'password reset', 'shipping delay', 'plan upgrade', 'API limits', 'invoice copy', 'account deletion'];

// Real speech encoded as a channel sends it: espeak-ng, then opusenc (Ogg/Opus,
// Telegram), lame (MP3, Twilio) or ffmpeg (WebM/Opus as Chrome records it).
function speech(text, format) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-speech-'));
  try {
    const wavFile = path.join(dir, 's.wav');
    const out = path.join(dir, `s.${format}`);
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wavFile, text]);
    if (format === 'ogg') execFileSync('opusenc', ['--quiet', '--bitrate', '24', wavFile, out]);
    else if (format === 'mp3') execFileSync('lame', ['--quiet', '-b', '32', wavFile, out]);
    else execFileSync('ffmpeg', ['-v', 'error', '-i', wavFile, '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', '-live', '1', out]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Start a conversation and append its messages; returns the conversation id.
async function conversation({ agent, session, channel, startedAt, messages, handledBy = 'ai', trackerSessionId }) {
  const c = await call('POST', '/conversations', {
    agent_id: agent, session_id: session, channel, handled_by: handledBy, started_at: startedAt,
    ...(trackerSessionId ? { tracker_session_id: trackerSessionId } : {}),
  });
  const ids = [];
  for (const [i, m] of messages.entries()) {
    const msg = await call('POST', `/conversations/${c.id}/messages`, {
      role: m.role, content: m.content, created_at: at(startedAt, i * 0.5 + 0.1),
      ...(m.role === 'assistant' ? { prompt_tokens: 120 + i * 10, completion_tokens: 40 + i * 5 } : {}),
    });
    ids.push(msg.id);
  }
  return { id: c.id, messageIds: ids };
}

// Seed everything and print the manifest.
async function main() {
  const nova = (await call('POST', '/agents', { name: 'Nova', company: 'Acme Support', mode: 'active' })).id;
  const atlas = (await call('POST', '/agents', { name: 'Atlas', company: 'Acme Sales', mode: 'hybrid' })).id;
  const echo = (await call('POST', '/agents', { name: 'Echo', company: 'Globex Voice', mode: 'passive' })).id;
  const agents = [nova, atlas, echo];
  const manifest = { agents: { nova, atlas, echo }, bulk: 60 };

  // 60 ordinary conversations spread over March 1–28, 2024.
  for (let i = 0; i < 60; i += 1) {
    const day = 1 + (i % 28);
    const startedAt = `2024-03-${String(day).padStart(2, '0')}T${String(8 + (i % 9)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00Z`;
    const topic = TOPICS[i % TOPICS.length];
    const count = 2 + (i % 6);
    const messages = Array.from({ length: count }, (_, k) => (k % 2 === 0
      ? { role: 'user', content: `Hi, I have a ${topic} (ticket ${i}-${k}).` }
      : { role: 'assistant', content: `Thanks! Let me help with your **${topic}**.` }));
    if (i === 17) messages.push({ role: 'assistant', content: 'Your refund for order zebra-4417 is on its way and should arrive within 5 business days.' });
    const c = await conversation({ agent: agents[i % 3], session: `bulk-${String(i).padStart(3, '0')}`, channel: CHANNELS[i % CHANNELS.length], startedAt, messages });
    if (i % 4 !== 3) await call('POST', `/conversations/${c.id}/close`, { ended_at: at(startedAt, 4 + (i % 5)), ...(i % 5 === 0 ? { end_reason: 'Resolved by AI' } : {}) });
    if (i % 8 === 6) await call('POST', `/conversations/${c.id}/archive`);
    if (i % 3 !== 2) await call('PUT', `/conversations/${c.id}/rating`, { score: 1 + (i % 5) });
    if (i % 2 === 0) await call('PUT', `/conversations/${c.id}/sentiment`, { label: ['positive', 'neutral', 'negative'][i % 3] });
  }

  // A voice call with three clips, tracker data, memory, rating and sentiment.
  const tracker = (await call('POST', '/tracker/sessions', {
    device: 'desktop', browser: 'Firefox 124', os: 'Ubuntu 22.04', country: 'Germany', city: 'Berlin',
    landing_page: 'https://shop.example/pricing', traffic_source: 'google', utm_source: 'newsletter', utm_medium: 'email',
    started_at: '2024-03-30T09:50:00Z', duration_seconds: 754, pages_visited: 3, bounce: false,
  })).id;
  await call('POST', `/tracker/sessions/${tracker}/pageviews`, { url: 'https://shop.example/pricing', title: 'Pricing', time_spent_seconds: 185, scroll_depth: 80, viewed_at: '2024-03-30T09:50:00Z' });
  await call('POST', `/tracker/sessions/${tracker}/pageviews`, { url: 'https://shop.example/checkout', title: 'Checkout', time_spent_seconds: 42, scroll_depth: 35, viewed_at: '2024-03-30T09:54:00Z' });
  await call('POST', `/tracker/sessions/${tracker}/events`, { name: 'add_to_cart', type: 'click', occurred_at: '2024-03-30T09:53:00Z' });
  await call('POST', `/tracker/sessions/${tracker}/events`, { name: 'scrolled_to_faq', type: 'scroll', occurred_at: '2024-03-30T09:55:00Z' });
  await call('POST', `/tracker/sessions/${tracker}/events`, {
    name: 'exit_intent', type: 'trigger', occurred_at: '2024-03-30T09:58:00Z',
    trigger: { name: 'Exit intent offer', action: 'open_chat', data: { discount: 'SPRING10', cart_value: 129.9, items: ['Pro plan'] } },
  });
  const voice = await conversation({
    agent: echo, session: 'voice-call-1', channel: 'voip', startedAt: '2024-03-30T10:00:00Z', trackerSessionId: tracker,
    messages: [
      { role: 'system', content: 'SYSTEM PROMPT: never shown in the transcript' },
      { role: 'user', content: 'Hello, I would like to change my delivery address.' },
      { role: 'assistant', content: 'Of course. What is the **new address**?' },
      { role: 'tool', content: 'TOOL RESULT: never shown in the transcript' },
      { role: 'user', content: 'Hauptstrasse 5, Berlin.' },
    ],
  });
  const clipIds = [];
  for (const [n, index] of [1, 2, 4].entries()) {
    const clip = await call('PUT', `/messages/${voice.messageIds[index]}/audio`, wav(6, 220 + n * 110), 'audio/wav');
    clipIds.push(clip.id);
  }
  await call('PATCH', `/conversations/${voice.id}/memory`, { name: 'Dana', plan: 'Pro', order_id: 'A-1001' });
  await call('PUT', `/conversations/${voice.id}/sentiment`, { label: 'positive', score: 0.8 });
  await call('PATCH', `/conversations/${voice.id}`, { converted: true });
  await call('PUT', `/conversations/${voice.id}/rating`, { score: 5, comment: 'Very helpful' });
  await call('POST', `/conversations/${voice.id}/close`, { end_reason: 'Caller hung up', ended_at: '2024-03-30T10:03:05Z' });
  manifest.voice = { id: voice.id, clips: clipIds, tracker };

  // A call recorded by the channels themselves: Ogg/Opus, MP3, WebM/Opus.
  const formats = [
    ['ogg', 'audio/ogg; codecs=opus', 'Hello, my order four seven one one arrived broken. The box was crushed and the lamp inside is cracked.'],
    ['mp3', 'audio/mpeg', 'I am sorry to hear that. I have started a replacement, and a return label is on its way to your email address.'],
    ['webm', 'audio/webm;codecs=opus', 'Thank you, that was quick. Will the new lamp arrive before the weekend, or should I pick it up in the store?'],
  ];
  const voiceFormats = await conversation({
    agent: echo, session: 'voice-formats', channel: 'voip', startedAt: '2024-03-30T09:30:00Z',
    messages: formats.map(([, , text], i) => ({ role: i % 2 ? 'assistant' : 'user', content: text })),
  });
  const formatClips = [];
  for (const [i, [format, mime, text]] of formats.entries()) {
    formatClips.push((await call('PUT', `/messages/${voiceFormats.messageIds[i]}/audio`, speech(text, format), mime)));
  }
  manifest.voiceFormats = { id: voiceFormats.id, clips: formatClips.map((c) => ({ id: c.id, mime: c.mime, duration_ms: c.duration_ms })) };

  // An ongoing conversation with 120 messages, for transcript paging.
  const long = await conversation({
    agent: nova, session: 'long-thread', channel: 'web', startedAt: '2024-03-29T12:00:00Z',
    messages: Array.from({ length: 120 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: `Message #${k + 1}` })),
  });
  manifest.long = { id: long.id };

  // Hostile content: scripts, handlers, javascript: links next to rich text.
  const xss = await conversation({
    agent: atlas, session: 'xss-probe', channel: 'widget', startedAt: '2024-03-29T09:00:00Z',
    messages: [
      { role: 'user', content: '<script>window.__xss = "user"</script><img src=x onerror="window.__xss=\'user-img\'"> can you format this?' },
      { role: 'assistant', content: [
        '## Summary',
        'Here is **bold text**, *emphasis*, `inline code` and a [safe link](https://example.com/docs).',
        'A [bad link](javascript:window.__xss="link") and <script>window.__xss = "assistant"</script>',
        '<img src="x" onerror="window.__xss=\'img\'">',
        '',
        '- first item',
        '- second item',
        '',
        '1. step one',
        '2. step two',
        '',
        '| Plan | Price |',
        '|------|------:|',
        '| Pro  | 29 €  |',
        '',
        '```js',
        'const safe = "<b>not bold</b>";',
        '```',
        '',
        '![tiny pixel](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==)',
        '![svg script](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)',
      ].join('\n') },
    ],
  });
  await call('POST', `/conversations/${xss.id}/close`, { ended_at: '2024-03-29T09:02:30Z' });
  manifest.xss = { id: xss.id };

  // Targets of the destructive tests.
  const rate = await conversation({ agent: nova, session: 'rate-me', channel: 'telegram', startedAt: '2024-03-29T08:00:00Z',
    messages: [{ role: 'user', content: 'Thanks a lot' }, { role: 'assistant', content: 'You are welcome!' }] });
  await call('PUT', `/conversations/${rate.id}/rating`, { score: 4, comment: 'Good' });
  manifest.rate = { id: rate.id };
  const del = await conversation({ agent: atlas, session: 'delete-me', channel: 'messenger', startedAt: '2024-03-29T07:00:00Z',
    messages: [{ role: 'user', content: 'Please forget me' }, { role: 'assistant', content: 'Understood.' }, { role: 'user', content: 'Thanks' }] });
  await call('PUT', `/conversations/${del.id}/rating`, { score: 2 });
  manifest.delete = { id: del.id };

  manifest.total = 60 + 6;
  process.stdout.write(`${JSON.stringify(manifest)}\n`);
}

main().catch((err) => {
  console.error(`seed failed: ${err.message}`);
  process.exit(1);
});
