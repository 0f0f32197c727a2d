// Small DOM and formatting helpers shared by the page's modules.
// Everything that shows data builds nodes with createElement/textContent:
// no module ever assigns innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Append children (strings, numbers, nodes, arrays, null) to a parent node.
function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Apply props to an element: class, dataset, on<event> handlers, text, attributes.
function applyProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return el;
}

// Create an HTML element: h('td', {class: 'x'}, 'text', childNode).
export function h(tag, props, ...children) {
  return append(applyProps(document.createElement(tag), props), children);
}

// Create an SVG element (for icons and stars).
export function svg(tag, props, ...children) {
  return append(applyProps(document.createElementNS(SVG_NS, tag), props), children);
}

// Replace all children of a node.
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// Format an RFC 3339 timestamp as a local date and time ("Mar 14, 2024, 10:32 AM").
export function formatDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

// Format seconds as a player clock ("1:05").
export function formatClock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// Format a duration in seconds the way the API's duration_text does ("3m 05s").
export function formatSeconds(seconds) {
  if (seconds == null) return '—';
  const s = Math.round(seconds);
  const pad = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600), minutes = Math.floor((s % 3600) / 60), rest = s % 60;
  if (hours) return `${hours}h ${pad(minutes)}m ${pad(rest)}s`;
  if (minutes) return `${minutes}m ${pad(rest)}s`;
  return `${rest}s`;
}

// Upper-case the first letter of a word ("closed" → "Closed").
export function capitalize(word) {
  return word ? word[0].toUpperCase() + word.slice(1) : '';
}

// Render a 1–5 rating as five stars with an accessible label, or a dash.
export function stars(score, emptyText = '—') {
  if (score == null) return h('span', { class: 'no-rating' }, emptyText);
  const label = `${score} out of 5 stars`;
  return h('span', { class: 'stars', title: label, 'aria-label': label, role: 'img', dataset: { score } },
    '★'.repeat(score), h('span', { class: 'stars-off' }, '★'.repeat(5 - score)));
}

// Return a debounced version of fn that runs `wait` ms after the last call.
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

// Wrap an async fn so that its runs never overlap: a call while it runs makes
// it run once more afterwards (any number of such calls merge into one).
// A failed run is logged, not thrown: live updates retry on the next change.
export function coalesce(fn) {
  let running = null;
  let again = false;
  return () => {
    if (running) { again = true; return running; }
    running = (async () => {
      try {
        do {
          again = false;
          try { await fn(); } catch (err) { if (err.name !== 'AbortError') console.warn('live update failed:', err); }
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

// Highlight an element that arrived live for a moment (class live-new); returns it.
export function flash(el, ms = 3000) {
  el.classList.add('live-new');
  setTimeout(() => el.classList.remove('live-new'), ms);
  return el;
}
