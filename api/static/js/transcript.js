// The Transcription tab: user and assistant bubbles, newest first, 50 per
// page with page controls. Assistant messages are rendered as safe rich text,
// user messages as plain text.
import { api, describeError } from './api.js';
import { h, replace, formatDateTime, coalesce, flash } from './dom.js';
import { renderMarkdown } from './markdown.js';

const PER_PAGE = 50;

export class Transcript {
  // root: the tab's container; onPlayClip(clipId): start a voice message in
  // the player; onRendered(): a page of bubbles was drawn.
  constructor(root, conversationId, { onPlayClip, onRendered = () => {}, signal }) {
    this.root = root;
    this.conversationId = conversationId;
    this.onPlayClip = onPlayClip;
    this.onRendered = onRendered;
    this.signal = signal;
    this.page = 1;
    this.sync = coalesce(() => this.syncOnce());
  }

  // Load and show one page (1 = newest messages).
  async show(page) {
    this.page = page;
    this.root.setAttribute('aria-busy', 'true');
    replace(this.root, h('p', { class: 'tab-loading' }, 'Loading messages…'));
    let result;
    try {
      result = await api.messages(this.conversationId, page, PER_PAGE, this.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      const { title, detail } = describeError(err);
      replace(this.root, h('div', { class: 'tab-error' }, h('strong', {}, title), h('p', {}, detail),
        h('button', { type: 'button', class: 'btn', onclick: () => this.show(page) }, 'Retry')));
      return;
    } finally {
      this.root.removeAttribute('aria-busy');
    }
    if (!result.total) {
      replace(this.root, h('p', { class: 'tab-empty' }, 'No messages in this conversation yet.'));
      return;
    }
    this.list = h('ol', { class: 'transcript', reversed: true }, result.data.map((m) => this.bubble(m)));
    replace(this.root, this.pager(result), this.list, this.pager(result));
    this.onRendered();
  }

  // Bring page 1 up to date after a live change (a new message, a clip that
  // arrived): new bubbles go on top, highlighted, changed ones are redrawn,
  // the rest stay as they are. Other pages only get their page count updated.
  // (this.sync, set in the constructor, runs it without overlapping itself.)
  async syncOnce() {
    const result = await api.messages(this.conversationId, this.page, PER_PAGE, this.signal);
    if (!this.list || !this.list.isConnected) { if (result.total) await this.show(this.page); return; }
    for (const nav of this.root.querySelectorAll('nav.pager')) nav.replaceWith(this.pager(result));
    if (this.page !== 1) return;
    const shown = new Map([...this.list.children].map((li) => [Number(li.dataset.id), li]));
    const items = result.data.map((m) => {
      const li = shown.get(m.id);
      if (li && (li.dataset.audioId || '') === String(m.audio_id ?? '')) return li;
      return li ? this.bubble(m) : flash(this.bubble(m));
    });
    this.list.replaceChildren(...items);
    this.onRendered();
  }

  // Page controls: "Newer", "Page x of y (n messages)", "Older".
  pager({ page, pages, total }) {
    return h('nav', { class: 'pager', 'aria-label': 'Transcript pages' },
      h('button', { type: 'button', class: 'btn pager-newer', disabled: page <= 1, onclick: () => this.show(page - 1) }, '‹ Newer'),
      h('span', { class: 'pager-info' }, `Page ${page} of ${pages} · ${total} message${total === 1 ? '' : 's'}`),
      h('button', { type: 'button', class: 'btn pager-older', disabled: page >= pages, onclick: () => this.show(page + 1) }, 'Older ›'));
  }

  // One message bubble.
  bubble(message) {
    const assistant = message.role === 'assistant';
    const body = assistant
      ? h('div', { class: 'bubble-body rich' }, renderMarkdown(message.content))
      : h('div', { class: 'bubble-body plain' }, message.content);
    const dataset = { id: message.id, role: message.role };
    if (message.audio_id != null) dataset.audioId = message.audio_id;
    return h('li', { class: `bubble bubble-${message.role}`, dataset },
      h('div', { class: 'bubble-meta' },
        h('span', { class: 'bubble-role' }, assistant ? 'Assistant' : 'User'),
        h('time', { datetime: message.created_at }, formatDateTime(message.created_at)),
        message.audio_id != null && this.onPlayClip
          ? h('button', { type: 'button', class: 'btn-link play-voice', onclick: () => this.onPlayClip(message.audio_id) }, '▶ Voice message')
          : null),
      body);
  }
}
