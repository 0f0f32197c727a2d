// The audio player of a voice conversation: play/pause, waveform from the
// peaks route, speed cycling, ±5 s skips, seeking by clicking the waveform and
// auto-advance through the conversation's clips.
//
// The audio route needs an Authorization header, which <audio src> cannot
// send, so clips are fetched with fetch() and played from blob: URLs. WAV
// clips are fetched by byte range from the playback position (a seek before
// the loaded part starts a new Range request); the other formats (Ogg, WebM,
// MP3, MP4, FLAC) need the whole clip before seeking, so they are fetched
// whole once and seek inside the blob. See api/static/README.md.
import { api, describeError } from './api.js';
import { h, replace, formatClock } from './dom.js';
import { isWav, parseWavHeader, wavBlob } from './wav.js';
import { icon } from './icons.js';

const SPEEDS = [0.5, 1, 1.5, 2];
const SKIP_SECONDS = 5;
const PEAK_BUCKETS = 160;
const HEADER_PROBE_BYTES = 4096;
const HEADER_MAX_BYTES = 1 << 20;

// Label of a playback rate ("1.5×").
function speedLabel(rate) {
  return `${rate.toFixed(1)}×`;
}

// Resolve when a media element has loaded metadata for its current source.
function metadataLoaded(audio) {
  if (audio.readyState >= 1) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => { audio.removeEventListener('loadedmetadata', done); audio.removeEventListener('error', fail); resolve(); };
    const fail = () => { audio.removeEventListener('loadedmetadata', done); audio.removeEventListener('error', fail); reject(new Error('the clip cannot be decoded')); };
    audio.addEventListener('loadedmetadata', done);
    audio.addEventListener('error', fail);
  });
}

export class Player {
  // root: container element; conversationId: whose clips to play;
  // onClipChange(clip): told which clip is current (the transcript marks it).
  constructor(root, conversationId, onClipChange = () => {}) {
    this.root = root;
    this.conversationId = conversationId;
    this.onClipChange = onClipChange;
    this.abort = new AbortController();
    this.clips = [];
    this.index = -1;
    this.rate = 1;
    this.position = 0;
    this.segment = null; // {base, url}: the loaded blob starts at `base` seconds
    this.wav = null;
    this.peaks = new Map();
    this.loadToken = 0;
    this.audio = h('audio', { class: 'player-audio', preload: 'auto' });
    this.audio.addEventListener('timeupdate', () => this.onTime());
    this.audio.addEventListener('play', () => this.renderState());
    this.audio.addEventListener('pause', () => this.renderState());
    this.audio.addEventListener('ended', () => this.onEnded());
  }

  // Fetch the clip list (not the audio) and draw the player.
  async init() {
    replace(this.root, h('div', { class: 'player player-loading' }, 'Loading voice clips…'));
    try {
      this.clips = (await api.audioClips(this.conversationId, this.abort.signal)).data;
    } catch (err) {
      if (err.name !== 'AbortError') replace(this.root, h('div', { class: 'player player-error' }, `Voice clips unavailable: ${describeError(err).title}`));
      return;
    }
    if (!this.clips.length) {
      replace(this.root, h('div', { class: 'player player-empty' }, 'This voice conversation has no playable clips.'));
      return;
    }
    this.build();
    await this.select(0, false);
  }

  // Fetch the clip list again after a clip arrived (a live change) and offer
  // the new clips without interrupting what is playing.
  async refreshClips() {
    let clips;
    try {
      clips = (await api.audioClips(this.conversationId, this.abort.signal)).data;
    } catch {
      return; // the clips shown stay playable; the next change tries again
    }
    const current = this.clip;
    if (clips.length === this.clips.length) return;
    this.clips = clips;
    if (!current) {
      this.build();
      await this.select(0, false);
      return;
    }
    this.index = clips.findIndex((c) => c.id === current.id);
    this.labelClip();
  }

  // Build the controls and the waveform.
  build() {
    const button = (cls, label, text, onclick) => h('button', { type: 'button', class: `btn-icon ${cls}`, 'aria-label': label, title: label, onclick }, text);
    this.playButton = button('play', 'Play', icon('play'), () => this.toggle());
    this.speedButton = h('button', { type: 'button', class: 'btn speed', title: 'Playback speed', onclick: () => this.cycleSpeed() }, speedLabel(this.rate));
    this.timeLabel = h('span', { class: 'player-time' }, '0:00 / 0:00');
    this.clipLabel = h('span', { class: 'player-clip' });
    this.prevButton = button('prev-clip', 'Previous clip', icon('prev'), () => this.select(this.index - 1, !this.audio.paused));
    this.nextButton = button('next-clip', 'Next clip', icon('next'), () => this.select(this.index + 1, !this.audio.paused));
    this.canvas = h('canvas', { class: 'waveform-canvas' });
    this.waveform = h('div', { class: 'waveform', role: 'slider', tabindex: 0, 'aria-label': 'Seek', 'aria-valuemin': 0 }, this.canvas);
    this.waveform.addEventListener('click', (e) => this.onWaveformClick(e));
    this.waveform.addEventListener('keydown', (e) => this.onWaveformKey(e));
    this.message = h('div', { class: 'player-message', 'aria-live': 'polite' });
    replace(this.root, h('div', { class: 'player' },
      h('div', { class: 'player-controls' },
        this.playButton,
        button('skip-back', `Back ${SKIP_SECONDS} seconds`, '-5s', () => this.skip(-SKIP_SECONDS)),
        button('skip-forward', `Forward ${SKIP_SECONDS} seconds`, '+5s', () => this.skip(SKIP_SECONDS)),
        this.speedButton, this.timeLabel,
        h('span', { class: 'player-clips' }, this.prevButton, this.clipLabel, this.nextButton)),
      this.waveform, this.message, this.audio));
    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(this.waveform);
  }

  // The clip being played.
  get clip() {
    return this.clips[this.index];
  }

  // Duration of the current clip in seconds.
  get duration() {
    const clip = this.clip;
    if (!clip) return 0;
    if (clip.duration_ms) return clip.duration_ms / 1000;
    return Number.isFinite(this.audio.duration) ? this.audio.duration + (this.segment ? this.segment.base : 0) : 0;
  }

  // Switch to clip `index`; nothing is downloaded until play or seek.
  async select(index, autoplay) {
    if (index < 0 || index >= this.clips.length) return;
    this.audio.pause();
    this.unload();
    this.index = index;
    this.wav = null;
    this.position = 0;
    this.root.dataset.clipId = String(this.clip.id);
    this.onClipChange(this.clip);
    this.labelClip();
    this.showMessage('');
    this.renderState();
    this.loadPeaks(this.clip);
    if (autoplay) await this.play();
  }

  // Show which clip of how many is current; disable the buttons that lead nowhere.
  labelClip() {
    this.clipLabel.textContent = `Clip ${this.index + 1} of ${this.clips.length}`;
    this.prevButton.disabled = this.index === 0;
    this.nextButton.disabled = this.index === this.clips.length - 1;
  }

  // Drop the loaded blob of the current clip.
  unload() {
    this.loadToken += 1;
    if (this.segment) URL.revokeObjectURL(this.segment.url);
    this.segment = null;
    this.audio.removeAttribute('src');
    this.audio.load();
  }

  // Fetch (once) and draw the waveform peaks of a clip.
  async loadPeaks(clip) {
    if (!this.peaks.has(clip.id)) {
      try {
        this.peaks.set(clip.id, (await api.peaks(clip.id, PEAK_BUCKETS, this.abort.signal)).peaks);
      } catch (err) {
        if (err.name === 'AbortError') return;
        this.peaks.set(clip.id, null);
      }
    }
    if (clip === this.clip) {
      this.waveform.classList.toggle('no-peaks', !this.peaks.get(clip.id));
      this.waveform.title = this.peaks.get(clip.id) ? '' : 'No waveform for this audio format';
      this.draw();
    }
  }

  // Read a WAV clip's header with small Range requests until the data chunk is found.
  async readWavHeader(clip) {
    for (let size = HEADER_PROBE_BYTES; ; size *= 8) {
      const res = await api.audioBytes(clip.id, `bytes=0-${size - 1}`, this.abort.signal);
      const info = parseWavHeader(await res.arrayBuffer());
      if (info) return info;
      if (size >= clip.bytes || size >= HEADER_MAX_BYTES) throw new Error('WAV header not found');
    }
  }

  // Load the part of the clip that starts at `seconds` into the audio element.
  async loadSegment(seconds) {
    const token = ++this.loadToken;
    const clip = this.clip;
    this.root.classList.add('buffering');
    try {
      let blob;
      let base = 0;
      if (isWav(clip.mime)) {
        if (!this.wav) this.wav = await this.readWavHeader(clip);
        const { dataOffset, dataSize, byteRate, blockAlign } = this.wav;
        const end = Math.min(dataOffset + dataSize, clip.bytes) - 1;
        const frames = Math.floor(Math.max(0, seconds) * byteRate / blockAlign);
        const start = Math.min(dataOffset + frames * blockAlign, Math.max(dataOffset, end + 1 - blockAlign));
        const res = await api.audioBytes(clip.id, `bytes=${start}-${end}`, this.abort.signal);
        let samples = await res.arrayBuffer();
        if (res.status === 200) samples = samples.slice(start, end + 1); // the server ignored the range
        blob = wavBlob(this.wav, samples);
        base = (start - dataOffset) / byteRate;
      } else {
        blob = await (await api.audioBytes(clip.id, null, this.abort.signal)).blob();
      }
      if (token !== this.loadToken) return false;
      const url = URL.createObjectURL(blob);
      if (this.segment) URL.revokeObjectURL(this.segment.url);
      this.segment = { base, url };
      this.audio.src = url;
      this.audio.defaultPlaybackRate = this.rate;
      await metadataLoaded(this.audio);
      this.audio.playbackRate = this.rate;
      this.audio.currentTime = Math.max(0, seconds - base);
      return token === this.loadToken;
    } catch (err) {
      if (err.name !== 'AbortError' && token === this.loadToken) this.showMessage(`Cannot play this clip: ${err.status !== undefined ? describeError(err).title : err.message}`);
      return false;
    } finally {
      if (token === this.loadToken) this.root.classList.remove('buffering');
    }
  }

  // Start playing from the current position, loading audio if needed.
  async play() {
    if (!this.segment || this.position < this.segment.base) {
      if (!(await this.loadSegment(this.position >= this.duration ? 0 : this.position))) return;
    } else if (this.position >= this.duration - 0.05) {
      await this.seek(0);
    }
    try {
      await this.audio.play();
    } catch (err) {
      if (err.name !== 'AbortError') this.showMessage(`Playback was blocked: ${err.message}`);
    }
  }

  // Play or pause.
  toggle() {
    if (this.audio.paused) this.play(); else this.audio.pause();
  }

  // Move to `seconds`: inside the loaded part directly, else with a new Range request.
  async seek(seconds) {
    const t = Math.min(Math.max(0, seconds), this.duration);
    this.position = t;
    this.draw();
    if (this.segment && t >= this.segment.base) {
      this.audio.currentTime = t - this.segment.base;
      return;
    }
    const playing = !this.audio.paused;
    this.audio.pause();
    if ((await this.loadSegment(t)) && playing) await this.audio.play().catch(() => {});
  }

  // Skip forward or back by `delta` seconds.
  skip(delta) {
    return this.seek(this.position + delta);
  }

  // 0.5× → 1.0× → 1.5× → 2.0× → 0.5×.
  cycleSpeed() {
    this.rate = SPEEDS[(SPEEDS.indexOf(this.rate) + 1) % SPEEDS.length];
    this.audio.defaultPlaybackRate = this.rate;
    this.audio.playbackRate = this.rate;
    this.speedButton.textContent = speedLabel(this.rate);
  }

  // Start the clip of a transcript message.
  playClip(clipId) {
    const index = this.clips.findIndex((c) => c.id === clipId);
    if (index >= 0) this.select(index, true);
  }

  // Seek to where the waveform was clicked.
  onWaveformClick(event) {
    const rect = this.waveform.getBoundingClientRect();
    this.seek(((event.clientX - rect.left) / rect.width) * this.duration);
  }

  // Arrow keys skip, Home/End jump, Space toggles.
  onWaveformKey(event) {
    const actions = { ArrowLeft: () => this.skip(-SKIP_SECONDS), ArrowRight: () => this.skip(SKIP_SECONDS), Home: () => this.seek(0), End: () => this.seek(this.duration), ' ': () => this.toggle() };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }

  // Track the position while playing.
  onTime() {
    if (this.segment && this.audio.src) this.position = this.segment.base + this.audio.currentTime;
    this.renderState();
  }

  // At the end of a clip go on with the next one.
  onEnded() {
    this.position = this.duration;
    if (this.index + 1 < this.clips.length) this.select(this.index + 1, true);
    else this.renderState();
  }

  // Update the play button, time label and waveform progress.
  renderState() {
    if (!this.playButton) return;
    const playing = !this.audio.paused;
    if (this.playButton.dataset.icon !== (playing ? 'pause' : 'play')) {
      this.playButton.dataset.icon = playing ? 'pause' : 'play';
      replace(this.playButton, icon(playing ? 'pause' : 'play'));
    }
    this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    this.playButton.title = playing ? 'Pause' : 'Play';
    this.root.dataset.state = playing ? 'playing' : 'paused';
    this.timeLabel.textContent = `${formatClock(this.position)} / ${formatClock(this.duration)}`;
    this.waveform.setAttribute('aria-valuemax', String(Math.round(this.duration)));
    this.waveform.setAttribute('aria-valuenow', String(Math.round(this.position)));
    this.waveform.setAttribute('aria-valuetext', `${formatClock(this.position)} of ${formatClock(this.duration)}`);
    this.draw();
  }

  // Show a short message under the waveform.
  showMessage(text) {
    if (this.message) this.message.textContent = text;
  }

  // Draw the peaks as bars, the played part in the accent color.
  draw() {
    if (!this.canvas || !this.clip) return;
    const ratio = window.devicePixelRatio || 1;
    const width = this.waveform.clientWidth;
    const height = this.waveform.clientHeight;
    if (!width || !height) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const ctx = this.canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    const styles = getComputedStyle(this.waveform);
    const played = styles.getPropertyValue('--wave-played').trim() || '#4f46e5';
    const rest = styles.getPropertyValue('--wave-rest').trim() || '#c7cbd6';
    const peaks = this.peaks.get(this.clip.id) || new Array(PEAK_BUCKETS).fill(0.08);
    const progress = this.duration ? this.position / this.duration : 0;
    const bar = width / peaks.length;
    peaks.forEach((peak, i) => {
      const barHeight = Math.max(2, peak * (height - 4));
      ctx.fillStyle = (i + 0.5) / peaks.length <= progress ? played : rest;
      ctx.fillRect(i * bar + bar * 0.15, (height - barHeight) / 2, Math.max(1, bar * 0.7), barHeight);
    });
  }

  // Stop playing and release everything (the panel closed).
  destroy() {
    this.abort.abort();
    this.audio.pause();
    this.unload();
    if (this.resizeObserver) this.resizeObserver.disconnect();
  }
}
