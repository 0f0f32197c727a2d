// Channel icons (inline SVG, stroke style) and channel labels.
import { svg } from './dom.js';

export const CHANNEL_LABELS = {
  web: 'Web', widget: 'Widget', telegram: 'Telegram', whatsapp: 'WhatsApp',
  voip: 'VoIP', messenger: 'Messenger', crm: 'CRM',
};

// SVG path data per channel, drawn on a 24×24 grid.
const PATHS = {
  web: ['M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z', 'M3 12h18', 'M12 3c3 3 3 15 0 18', 'M12 3c-3 3-3 15 0 18'],
  widget: ['M4 5h16v11H9l-5 4z', 'M8 10h8'],
  telegram: ['M21 4L3 11l6 2 2 6 3-4 5 4z', 'M9 13l8-6'],
  whatsapp: ['M4 20l1.5-4.5A8 8 0 1 1 8.5 18.5z', 'M9 9c0 3 3 6 6 6l1-2-2-1-1 1c-1-.5-2-1.5-2.5-2.5l1-1-1-2z'],
  voip: ['M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a1 1 0 0 1-1 1A16 16 0 0 1 4 5a1 1 0 0 1 1-1z'],
  messenger: ['M12 3C7 3 3 6.6 3 11c0 2.5 1.2 4.6 3 6v4l3.5-2c.8.2 1.6.3 2.5.3 5 0 9-3.6 9-8.3S17 3 12 3z', 'M7 13l3.5-3.5 2.5 2 4-3.5'],
  crm: ['M4 7h16v12H4z', 'M9 7V5h6v2', 'M4 12h16'],
};

// SVG path data of the page's other icons; `fill` icons are solid shapes.
const UI_ICONS = {
  trash: { d: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13', 'M10 11v6', 'M14 11v6'] },
  filter: { d: ['M4 5h16l-6 7.5V19l-4-2v-4.5z'] },
  play: { d: ['M8 5v14l11-7z'], fill: true },
  pause: { d: ['M7 5h4v14H7z', 'M13 5h4v14h-4z'], fill: true },
  prev: { d: ['M6 5v14', 'M18 5v14L8 12z'], fill: true },
  next: { d: ['M18 5v14', 'M6 5v14l10-7z'], fill: true },
  close: { d: ['M6 6l12 12', 'M18 6L6 18'] },
  chat: { d: ['M4 5h16v11H9l-5 4z'] },
};

// A decorative UI icon (the button around it carries the accessible name).
export function icon(name) {
  const { d, fill } = UI_ICONS[name];
  return svg('svg', { class: `icon ui-icon${fill ? ' icon-fill' : ''}`, viewBox: '0 0 24 24', width: 18, height: 18, 'aria-hidden': 'true', focusable: 'false' },
    d.map((path) => svg('path', { d: path })));
}

// An icon element for a channel, with the channel's name as its title.
export function channelIcon(channel) {
  const label = CHANNEL_LABELS[channel] || channel;
  return svg('svg', { class: `icon icon-${channel}`, viewBox: '0 0 24 24', width: 16, height: 16, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    (PATHS[channel] || PATHS.web).map((d) => svg('path', { d })));
}
