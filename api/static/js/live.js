// The live page: follows GET /api/v1/events (sse.js) and applies each change
// to what is shown — the table's rows, the open detail panel — without a
// reload; shows a small connected / reconnecting indicator. Events carry ids
// and small fields only (api/README.md), so a new conversation or message is
// fetched through the ordinary routes.
import { getKey } from './api.js';
import { coalesce } from './dom.js';
import { EventStream } from './sse.js';

const STATE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};
const STATE_TITLE = {
  connecting: 'Connecting to the live updates',
  live: 'Changes appear as they happen',
  reconnecting: 'The live connection was lost; reconnecting (changes made meanwhile are not lost)',
  stopped: 'Live updates are off: the API key was not accepted',
};

// Whether a changed conversation still passes the filters a change can affect
// (status, minimum rating); the others (channel, agent, dates, search) stay as they were.
function stillMatches(filters, data) {
  if (filters.status.length && !filters.status.includes(data.status)) return false;
  return !filters.min_rating || (data.rating != null && data.rating >= Number(filters.min_rating));
}

export class LiveUpdates {
  // indicator: the element that shows the connection state; table: the
  // ConversationTable; panel: the DetailPanel; getState(): the view state.
  constructor(indicator, { table, panel, getState }) {
    this.indicator = indicator;
    this.table = table;
    this.panel = panel;
    this.getState = getState;
    this.pullNewest = coalesce(() => table.pullNewest());
    this.refreshTable = coalesce(() => table.refresh());
    this.stream = new EventStream('/api/v1/events', {
      headers: () => ({ Authorization: `Bearer ${getKey() || ''}` }),
      onEvent: (type, data) => this.apply(type, data),
      onState: (state) => this.show(state),
    });
  }

  // (Re)start following: at start-up and after the API key changed.
  start() {
    this.stream.start();
  }

  // Show the connection state in the indicator.
  show(state) {
    this.indicator.dataset.state = state;
    this.indicator.title = STATE_TITLE[state];
    this.indicator.querySelector('.live-text').textContent = STATE_TEXT[state];
  }

  // True when conversation id is the one open in the panel.
  isOpen(id) {
    return this.panel.conversationId === id;
  }

  // Apply one event to the page.
  apply(type, data) {
    const id = data && data.conversation_id;
    switch (type) {
      case 'conversation.created': {
        const { sort, order } = this.getState();
        if (sort === 'date' && order === 'desc') this.pullNewest();
        break;
      }
      case 'conversation.updated':
        if (stillMatches(this.getState().filters, data)) {
          this.table.updateRow(id, { status: data.status, message_count: data.message_count, rating: data.rating });
        } else this.table.removeRow(id);
        if (this.isOpen(id)) this.panel.refresh();
        break;
      case 'message.created':
        this.table.updateRow(id, { message_count: data.message_count });
        if (this.isOpen(id)) this.panel.messagesChanged();
        break;
      case 'audio.created':
        if (this.isOpen(id)) this.panel.audioAdded();
        break;
      case 'conversation.deleted':
        this.table.removeRow(id);
        if (this.isOpen(id)) this.panel.markDeleted();
        break;
      case 'reset':
        // events were missed (outside the replay window, or the database was replaced): reload what is shown
        this.refreshTable();
        if (this.panel.conversationId != null) this.panel.messagesChanged();
        break;
      default:
        break;
    }
  }
}
