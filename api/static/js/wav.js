// Just enough RIFF/WAVE handling to play a WAV clip from any byte offset:
// parse the header of the clip's first bytes, then wrap a byte range of its
// sample data in a fresh header so the browser can decode it on its own.

const textDecoder = new TextDecoder('ascii');

// The MIME types of WAV files: exactly the list of convdash.wav_mime() in
// SQL, which decides which clips have peaks (the API suite checks they agree).
export const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];

// True for the MIME types of WAV files (parameters such as ;codecs ignored).
export function isWav(mime) {
  return WAV_TYPES.includes((mime || '').split(';')[0].trim().toLowerCase());
}

// Four-character chunk id at an offset.
function chunkId(view, offset) {
  return textDecoder.decode(new Uint8Array(view.buffer, view.byteOffset + offset, 4));
}

// Parse a WAV header from the clip's first bytes. Returns {fmt, byteRate,
// blockAlign, dataOffset, dataSize}, or null when more bytes are needed.
export function parseWavHeader(buffer) {
  const view = new DataView(buffer);
  if (view.byteLength < 12) return null;
  if (chunkId(view, 0) !== 'RIFF' || chunkId(view, 8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let fmt = null;
  while (offset + 8 <= view.byteLength) {
    const id = chunkId(view, offset);
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before its fmt chunk');
      const fmtView = new DataView(fmt.buffer);
      return { fmt, byteRate: fmtView.getUint32(8, true), blockAlign: fmtView.getUint16(12, true), dataOffset: offset + 8, dataSize: size };
    }
    if (id === 'fmt ') {
      if (offset + 8 + size > view.byteLength) return null;
      fmt = new Uint8Array(buffer.slice(offset + 8, offset + 8 + size));
    }
    offset += 8 + size + (size & 1);
  }
  return null;
}

// A playable WAV Blob made of the original fmt chunk and a slice of sample data.
export function wavBlob(info, samples) {
  const header = new ArrayBuffer(12 + 8 + info.fmt.length + 8);
  const view = new DataView(header);
  const bytes = new Uint8Array(header);
  const writeId = (offset, id) => { for (let i = 0; i < 4; i += 1) bytes[offset + i] = id.charCodeAt(i); };
  writeId(0, 'RIFF');
  view.setUint32(4, header.byteLength - 8 + samples.byteLength, true);
  writeId(8, 'WAVE');
  writeId(12, 'fmt ');
  view.setUint32(16, info.fmt.length, true);
  bytes.set(info.fmt, 20);
  writeId(20 + info.fmt.length, 'data');
  view.setUint32(24 + info.fmt.length, samples.byteLength, true);
  return new Blob([header, samples], { type: 'audio/wav' });
}
