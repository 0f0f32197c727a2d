// The detail panel that slides in from the right: header, audio player (or
// a text-only indicator), tabs (Overview, Transcription, Client Data) and the
// metadata sidebar with rating removal.
import { api, describeError } from './api.js';
import { h, replace, capitalize, formatDateTime, stars, coalesce } from './dom.js';
import { channelIcon, icon, CHANNEL_LABELS } from './icons.js';
import { Player } from './player.js';
import { Transcript } from './transcript.js';
import { showClientData, refreshClientData } from './clientdata.js';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'transcript', label: 'Transcription' },
  { id: 'client', label: 'Client Data' },
];

// A term/definition pair of the sidebar or overview.
function fact(label, value, cls) {
  return h('div', { class: `fact ${cls || ''}`.trim() }, h('dt', {}, label), h('dd', {}, value));
}

export class DetailPanel {
  // callbacks: onClose(), onDelete(detail, clipCount), onRemoveRating(detail) → Promise<boolean>.
  constructor(panel, backdrop, callbacks) {
    this.panel = panel;
    this.backdrop = backdrop;
    this.cb = callbacks;
    this.detail = null;
    this.player = null;
    this.abort = null;
    this.transcript = null;
    this.refresh = coalesce(() => this.refreshOnce());
    this.backdrop.addEventListener('click', () => this.cb.onClose());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen && !document.querySelector('dialog[open]')) this.cb.onClose();
    });
  }

  // True while the panel is shown.
  get isOpen() {
    return this.panel.classList.contains('open');
  }

  // The id of the conversation shown, or null.
  get conversationId() {
    return this.isOpen && this.currentId != null ? this.currentId : null;
  }

  // Slide in and load conversation `id`.
  async open(id) {
    if (this.isOpen && this.currentId === id) return;
    this.release();
    this.currentId = id;
    this.abort = new AbortController();
    this.panel.classList.add('open');
    this.panel.setAttribute('aria-hidden', 'false');
    this.panel.dataset.id = String(id);
    this.backdrop.hidden = false;
    document.body.classList.add('panel-open');
    replace(this.panel, this.header(null), h('div', { class: 'panel-state' }, 'Loading conversation…'));
    this.panel.focus();
    const signal = this.abort.signal;
    try {
      const detail = await api.conversation(id, signal);
      if (signal.aborted) return;
      this.render(detail);
    } catch (err) {
      if (err.name === 'AbortError' || signal.aborted) return;
      const { title, detail } = describeError(err);
      replace(this.panel, this.header(null), h('div', { class: 'panel-state state-error' }, h('strong', {}, title), h('p', {}, detail)));
    }
  }

  // Stop the player and pending requests of the shown conversation.
  release() {
    if (this.abort) this.abort.abort();
    if (this.player) this.player.destroy();
    this.player = null;
    this.transcript = null;
    this.detail = null;
  }

  // Slide out.
  close() {
    this.release();
    this.currentId = null;
    this.panel.classList.remove('open');
    this.panel.setAttribute('aria-hidden', 'true');
    this.backdrop.hidden = true;
    document.body.classList.remove('panel-open');
  }

  // The panel's header: agent, session id, delete and close buttons.
  header(d) {
    return h('header', { class: 'panel-header' },
      d ? h('div', { class: 'panel-title' },
        channelIcon(d.channel),
        h('div', {}, h('h2', {}, d.agent.name, d.agent.company ? h('span', { class: 'muted' }, ` · ${d.agent.company}`) : null),
          h('code', { class: 'session-id' }, d.session_id)),
        h('span', { class: `status status-${d.status}` }, capitalize(d.status)))
        : h('div', { class: 'panel-title' }, h('h2', {}, 'Conversation')),
      h('div', { class: 'panel-actions' },
        d ? h('button', { type: 'button', class: 'btn btn-danger delete-conversation', onclick: () => this.cb.onDelete(d, this.player ? this.player.clips.length : 0) }, 'Delete') : null,
        h('button', { type: 'button', class: 'btn-icon close-panel', 'aria-label': 'Close detail', title: 'Close (Esc)', onclick: () => this.cb.onClose() }, icon('close'))));
  }

  // Draw the whole panel for a loaded conversation.
  render(d) {
    this.detail = d;
    const playerSlot = h('div', { class: 'player-slot' });
    this.tabButtons = {};
    this.tabPanels = {};
    const tablist = h('div', { class: 'tabs', role: 'tablist' }, TABS.map((t) => {
      this.tabButtons[t.id] = h('button', { type: 'button', role: 'tab', id: `tab-${t.id}`, class: 'tab', dataset: { tab: t.id },
        'aria-controls': `tabpanel-${t.id}`, 'aria-selected': 'false', onclick: () => this.showTab(t.id) }, t.label);
      return this.tabButtons[t.id];
    }));
    const panels = TABS.map((t) => {
      this.tabPanels[t.id] = h('div', { role: 'tabpanel', id: `tabpanel-${t.id}`, class: `tabpanel tabpanel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, hidden: true });
      return this.tabPanels[t.id];
    });
    this.sidebar = h('dl', { class: 'sidebar' });
    this.headerEl = this.header(d);
    this.playerSlot = playerSlot;
    replace(this.panel, this.headerEl, playerSlot,
      h('div', { class: 'panel-body' }, h('div', { class: 'panel-main' }, tablist, panels), this.sidebar));
    this.renderSidebar();
    this.loaded = new Set();
    this.showTab('overview');
    if (d.text_only) {
      replace(playerSlot, h('div', { class: 'text-only' }, icon('chat'), ' Text-only conversation — no voice recording.'));
    } else this.startPlayer();
  }

  // Create the audio player of a voice conversation.
  startPlayer() {
    this.player = new Player(this.playerSlot, this.detail.id, (clip) => this.markPlaying(clip.id));
    this.player.init();
  }

  // Switch tab, loading its content the first time.
  showTab(id) {
    for (const t of TABS) {
      this.tabButtons[t.id].setAttribute('aria-selected', String(t.id === id));
      this.tabPanels[t.id].hidden = t.id !== id;
    }
    if (this.loaded.has(id)) return;
    this.loaded.add(id);
    const root = this.tabPanels[id];
    const d = this.detail;
    if (id === 'overview') this.renderOverview(root);
    else if (id === 'transcript') {
      const transcript = this.transcript = new Transcript(root, d.id, {
        signal: this.abort.signal,
        onPlayClip: (clipId) => this.player && this.player.playClip(clipId),
        onRendered: () => { if (this.player && this.player.clip) this.markPlaying(this.player.clip.id); },
      });
      transcript.show(1);
    } else showClientData(root, d.id, this.abort.signal);
  }

  // Overview: status, how it ended, sentiment, session id.
  renderOverview(root) {
    const d = this.detail;
    const ended = d.status === 'active' && !d.ended_at ? 'Ongoing' : d.end_reason || 'Completed';
    replace(root, h('dl', { class: 'overview' },
      fact('Status', h('span', { class: `status status-${d.status}` }, capitalize(d.status)), 'ov-status'),
      fact('How it ended', ended, 'ov-ended'),
      fact('Sentiment', h('span', { class: `sentiment sentiment-${d.sentiment || 'none'}` }, d.sentiment_text || 'Not analyzed'), 'ov-sentiment'),
      fact('Session ID', h('code', {}, d.session_id), 'ov-session'),
      fact('Handled by', d.handled_by === 'human' ? 'Human' : 'AI', 'ov-handled'),
      fact('Converted', d.converted ? 'Yes' : 'No', 'ov-converted')));
  }

  // Sidebar: date, text only, channel, duration, messages, tokens, rating, agent.
  renderSidebar() {
    const d = this.detail;
    const rating = d.rating
      ? h('div', { class: 'rating' }, stars(d.rating.score),
        d.rating.comment ? h('q', { class: 'rating-comment' }, d.rating.comment) : null,
        h('button', { type: 'button', class: 'btn btn-small remove-rating', onclick: () => this.removeRating() }, 'Remove rating'))
      : h('span', { class: 'no-rating' }, 'No rating');
    replace(this.sidebar,
      fact('Date', h('time', { datetime: d.started_at }, formatDateTime(d.started_at)), 'sb-date'),
      fact('Text only', d.text_only ? 'Yes' : 'No', 'sb-text-only'),
      fact('Channel', h('span', { class: 'channel' }, channelIcon(d.channel), ' ', CHANNEL_LABELS[d.channel] || d.channel), 'sb-channel'),
      fact('Duration', d.duration_text || 'Ongoing', 'sb-duration'),
      fact('Messages', String(d.message_count), 'sb-messages'),
      fact('Tokens', h('span', {}, `${d.tokens.prompt.toLocaleString()} prompt + ${d.tokens.completion.toLocaleString()} completion`,
        h('span', { class: 'muted' }, ` = ${d.tokens.total.toLocaleString()}`)), 'sb-tokens'),
      fact('Rating', rating, 'sb-rating'),
      fact('Agent', h('span', {}, d.agent.name, d.agent.company ? h('span', { class: 'muted' }, ` · ${d.agent.company}`) : null,
        d.agent.mode ? h('span', { class: 'badge' }, capitalize(d.agent.mode)) : null), 'sb-agent'));
  }

  // Fetch the shown conversation again after a live change and redraw, in
  // place, the header, sidebar, overview and the Client Data grid and memory;
  // the open tab, the transcript and the player stay (this.refresh runs it
  // without overlapping itself).
  async refreshOnce() {
    const id = this.currentId;
    if (!this.detail || id == null) return;
    const signal = this.abort.signal;
    let d;
    try {
      d = await api.conversation(id, signal);
    } catch (err) {
      if (err.status === 404 && this.currentId === id) this.markDeleted();
      return;
    }
    if (signal.aborted || this.currentId !== id || !this.detail) return;
    const hadVoice = !this.detail.text_only;
    this.detail = d;
    const header = this.header(d);
    this.headerEl.replaceWith(header);
    this.headerEl = header;
    this.renderSidebar();
    if (this.loaded.has('overview')) this.renderOverview(this.tabPanels.overview);
    if (this.loaded.has('client')) await refreshClientData(this.tabPanels.client, id, signal);
    if (!hadVoice && !d.text_only) this.startPlayer();
  }

  // Live: messages (or a clip) were added to the shown conversation.
  messagesChanged() {
    if (this.transcript) this.transcript.sync();
    this.refresh();
  }

  // Live: a voice clip was added to the shown conversation.
  audioAdded() {
    if (this.player) this.player.refreshClips();
    this.messagesChanged();
  }

  // Live: the shown conversation was deleted (elsewhere): say so, keep only the close button.
  markDeleted() {
    if (!this.isOpen) return;
    this.release();
    replace(this.panel, this.header(null), h('div', { class: 'panel-state state-deleted', role: 'status' },
      h('strong', {}, 'This conversation was deleted'), h('p', {}, 'It no longer exists; close this panel to go back to the list.')));
  }

  // Mark the transcript bubble whose voice clip is the player's current one.
  markPlaying(clipId) {
    for (const b of this.panel.querySelectorAll('.bubble')) b.classList.toggle('now-playing', b.dataset.audioId === String(clipId));
  }

  // Ask, then remove the client's rating and redraw the sidebar.
  async removeRating() {
    const d = this.detail;
    if (await this.cb.onRemoveRating(d) && this.detail === d) {
      d.rating = null;
      this.renderSidebar();
    }
  }
}
