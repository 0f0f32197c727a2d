// A small, safe Markdown subset renderer for assistant messages. It builds DOM
// nodes only (createElement + text nodes): raw HTML in a message is shown as
// text, links are kept only for http(s)/mailto, images only for http(s) and
// data:image (raster types). Supported: paragraphs, line breaks, headings,
// **bold**, *italic*, ~~strike~~, `code`, fenced code blocks, links, bare
// URLs, images, bullet and numbered lists, block quotes, rules and tables.
import { h } from './dom.js';

const FENCE = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const INLINE = new RegExp([
  '(`+)([^`]|[^`][\\s\\S]*?[^`])\\1(?!`)', // 1,2 code span
  '!\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+"[^"]*")?\\s*\\)', // 3,4 image
  '\\[([^\\]]+)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+"[^"]*")?\\s*\\)', // 5,6 link
  '\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*', // 7 bold
  '__(?=\\S)([\\s\\S]*?\\S)__', // 8 bold
  '\\*(?=[^\\s*])([^*]*?[^\\s*]|[^\\s*])\\*', // 9 italic
  '(?<![\\w])_(?=[^\\s_])([^_]*?[^\\s_]|[^\\s_])_(?![\\w])', // 10 italic
  '~~(?=\\S)([\\s\\S]*?\\S)~~', // 11 strike
  '<?\\b((?:https?:\\/\\/|mailto:)[^\\s<>]*[^\\s<>.,:;"\')\\]!?])>?', // 12 bare URL
].join('|'));
const RASTER_DATA = /^data:image\/(png|jpe?g|gif|webp|avif|bmp);base64,[a-z0-9+/=\s]+$/i;

// The URL if it is an absolute http(s) or mailto link, else null.
export function safeLinkUrl(raw) {
  try {
    const url = new URL(raw);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch { return null; }
}

// The URL if it is an absolute http(s) image or a raster data:image, else null.
export function safeImageUrl(raw) {
  if (RASTER_DATA.test(raw)) return raw;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch { return null; }
}

// A link element around content nodes, or just the content when the URL is not allowed.
function link(content, href) {
  const safe = safeLinkUrl(href);
  return safe ? h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer nofollow' }, content) : h('span', { class: 'unsafe-link' }, content);
}

// An image element, or its alt text when the source is not allowed.
function image(alt, src) {
  const safe = safeImageUrl(src);
  return safe ? h('img', { src: safe, alt, loading: 'lazy', referrerpolicy: 'no-referrer' }) : h('span', { class: 'unsafe-image' }, `[image: ${alt || 'blocked'}]`);
}

// Parse inline Markdown in one piece of text into an array of nodes/strings.
export function inline(text) {
  const out = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) { out.push(rest); break; }
    if (m.index) out.push(rest.slice(0, m.index));
    if (m[1]) out.push(h('code', {}, m[2].replace(/^ (.*) $/, '$1')));
    else if (m[4] !== undefined) out.push(image(m[3], m[4]));
    else if (m[5] !== undefined) out.push(link(inline(m[5]), m[6]));
    else if (m[7] !== undefined || m[8] !== undefined) out.push(h('strong', {}, inline(m[7] ?? m[8])));
    else if (m[9] !== undefined || m[10] !== undefined) out.push(h('em', {}, inline(m[9] ?? m[10])));
    else if (m[11] !== undefined) out.push(h('del', {}, inline(m[11])));
    else out.push(link([m[12]], m[12]));
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

// Inline content of several lines, joined by <br> (Markdown "hard" breaks kept simple).
function inlineLines(lines) {
  return lines.flatMap((line, i) => (i ? [h('br'), ...inline(line.trim())] : inline(line.trim())));
}

// Split a table row "| a | b |" into trimmed cell texts.
function tableCells(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

// Column alignments from a table separator row.
function tableAligns(line) {
  return tableCells(line).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : null));
}

// Build a <table> from header, separator and body lines.
function table(lines) {
  const aligns = tableAligns(lines[1]);
  const cell = (tag, text, i) => h(tag, { class: aligns[i] ? `align-${aligns[i]}` : null }, inline(text));
  const head = tableCells(lines[0]);
  return h('div', { class: 'md-table' }, h('table', {},
    h('thead', {}, h('tr', {}, head.map((t, i) => cell('th', t, i)))),
    h('tbody', {}, lines.slice(2).map((l) => h('tr', {}, tableCells(l).slice(0, head.length).map((t, i) => cell('td', t, i)))))));
}

// True when a line starts a block other than a paragraph continuation.
function startsBlock(line, next) {
  return FENCE.test(line) || HEADING.test(line) || LIST_ITEM.test(line) || QUOTE.test(line) || RULE.test(line)
    || (line.includes('|') && next !== undefined && TABLE_SEPARATOR.test(next) && next.includes('-'));
}

// Render Markdown text into a DocumentFragment of safe nodes.
export function renderMarkdown(text) {
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const frag = document.createDocumentFragment();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      for (i += 1; i < lines.length && !new RegExp(`^\\s*${fence[1]}\\s*$`).test(lines[i]); i += 1) body.push(lines[i]);
      i += 1;
      frag.append(h('pre', { class: 'md-code' }, h('code', { dataset: fence[2] ? { lang: fence[2] } : null }, body.join('\n'))));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      frag.append(h(`h${Math.min(heading[1].length + 2, 6)}`, { class: 'md-heading' }, inline(heading[2])));
      i += 1;
      continue;
    }
    if (RULE.test(line)) { frag.append(h('hr')); i += 1; continue; }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const rows = [line, lines[i + 1]];
      for (i += 2; i < lines.length && lines[i].includes('|') && lines[i].trim(); i += 1) rows.push(lines[i]);
      frag.append(table(rows));
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i += 1) quoted.push(QUOTE.exec(lines[i])[1]);
      frag.append(h('blockquote', {}, renderMarkdown(quoted.join('\n'))));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const list = h(ordered ? 'ol' : 'ul', { start: ordered && parseInt(item[1], 10) !== 1 ? parseInt(item[1], 10) : null });
      while (i < lines.length) {
        const it = LIST_ITEM.exec(lines[i]);
        if (!it || /\d/.test(it[1]) !== ordered) break;
        const itemLines = [it[2]];
        for (i += 1; i < lines.length && lines[i].trim() && /^\s{2,}\S/.test(lines[i]) && !LIST_ITEM.test(lines[i]); i += 1) itemLines.push(lines[i]);
        list.append(h('li', {}, inlineLines(itemLines)));
        while (i < lines.length && !lines[i].trim() && i + 1 < lines.length && LIST_ITEM.test(lines[i + 1])) i += 1;
      }
      frag.append(list);
      continue;
    }
    const para = [line];
    for (i += 1; i < lines.length && lines[i].trim() && !startsBlock(lines[i], lines[i + 1]); i += 1) para.push(lines[i]);
    frag.append(h('p', {}, inlineLines(para)));
  }
  return frag;
}
