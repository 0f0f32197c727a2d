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

// An icon element for a channel, with the channel's name as its title.
export function channelIcon(channel) {
  const label = CHANNEL_LABELS[channel] || channel;
  return svg('svg', { class: `icon icon-${channel}`, viewBox: '0 0 24 24', width: 16, height: 16, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    (PATHS[channel] || PATHS.web).map((d) => svg('path', { d })));
}
