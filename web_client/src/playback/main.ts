// The playback page: /playback.html#token=JWT&recording=ID. The recording's room is mirrored with
// the live client's reducer and shown with its viewer sync; the player clock decides which
// recorded events are due. Pause and explore, then resume the recording's view.
import '../style.css';
import './playback.css';
import type { Ctx } from '../context';
import { currentLang, onLangChange, setLang, translateStatic } from '../i18n';
import type { RoomEvent, SnapshotMessage } from '../protocol/types';
import { apply, VIEW_EVENTS } from '../room/reducer';
import { emptyState, stateFromWire } from '../room/snapshot';
import { readClaims, type Claims } from '../session';
import { AnnotationSync } from '../sync/annotations';
import { PointerSync } from '../sync/pointer';
import { ViewSync } from '../sync/view';
import { $ } from '../ui/dom';
import { renderChat } from '../ui/chat';
import { renderParticipants } from '../ui/panels';
import { holderOf } from '../ui/watermark';
import { DicomWeb } from '../viewer/dicomweb';
import { initCornerstone } from '../viewer/setup';
import { Viewer } from '../viewer/viewer';
import { RecordingApi, type Recording } from './api';
import { SPEEDS } from './clock';
import { Explore } from './explore';
import { MediaTiles } from './media';
import { Player } from './player';
import { label } from './strings';
import { Timeline } from './timeline';
import { bindTools } from './toolbar';

const TOKEN_KEY = 'huizhen.playback.token';

function takeParams(): { token: string | null; recording: string | null } {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const fresh = hash.get('token');
  if (fresh) sessionStorage.setItem(TOKEN_KEY, fresh);
  const recording = hash.get('recording');
  // The token stays out of the address bar (and of screenshots and shared links).
  history.replaceState(null, '', recording ? `#recording=${encodeURIComponent(recording)}` : '#');
  return { token: fresh ?? sessionStorage.getItem(TOKEN_KEY), recording };
}

function status(text: string | null): void {
  const box = $('#pb-status');
  box.hidden = text === null;
  box.textContent = text ?? '';
}

function translate(): void {
  translateStatic();
  for (const el of document.querySelectorAll<HTMLElement>('[data-label]')) {
    el.textContent = label(el.dataset.label ?? '');
  }
}

async function boot(): Promise<void> {
  translate();
  const { token, recording } = takeParams();
  const claims = token ? readClaims(token) : null;
  if (!token || !claims) return status(label('no_token'));
  const api = new RecordingApi(token);
  if (!recording) return listRecordings(api, token);
  status(label('loading'));
  const rec = await api.recording(recording);
  await initCornerstone(() => token);
  // Never one of the recorded participants (even for the host who recorded it): their view,
  // pointer and annotations are the recording's, not this viewer's.
  const page = new PlaybackPage(api, rec, token, `playback:${claims.sub}`, claims);
  await page.start();
  status(null);
}

async function listRecordings(api: RecordingApi, token: string): Promise<void> {
  const all = await api.list();
  const items = all.map((r) => {
    const a = document.createElement('a');
    a.href = `#token=${encodeURIComponent(token)}&recording=${encodeURIComponent(r.id)}`;
    a.onclick = () => { window.location.hash = a.hash; window.location.reload(); };
    a.textContent = `${r.title || r.room} — ${new Date(r.started_at * 1000).toLocaleString()}`;
    const li = document.createElement('li');
    li.append(a);
    return li;
  });
  const list = document.createElement('ul');
  list.replaceChildren(...items);
  status(items.length ? label('recordings') : label('no_recordings'));
  $('#pb-status').append(list);
}

class PlaybackPage {
  readonly ctx: Ctx;
  readonly view: ViewSync;
  readonly notes: AnnotationSync;
  readonly pointer: PointerSync;
  readonly explore: Explore;
  readonly player: Player;
  readonly timeline: Timeline;
  readonly media: MediaTiles;
  applied = 0;
  private renderQueued = false;

  constructor(
    private readonly api: RecordingApi, readonly rec: Recording, token: string, me: string,
    private readonly viewerClaims: Claims,
  ) {
    const web = new DicomWeb(() => token);
    const viewer = new Viewer($('#viewer-grid'), web);
    this.ctx = {
      state: emptyState(rec.room), me, viewer, web, following: true, activeViewport: 0,
      send: (c) => this.explore.send(c),
      changed: () => this.queueRender(),
    };
    this.explore = new Explore(this.ctx, () => this.backToRecording());
    this.view = new ViewSync(this.ctx);
    this.notes = new AnnotationSync(this.ctx);
    this.pointer = new PointerSync(this.ctx);
    const end = rec.ended_at ?? lastChapter(rec);
    this.player = new Player(api, rec.id, rec.started_at, end, {
      load: (s) => this.load(s), events: (e) => this.events(e), tick: () => this.tick(),
    });
    this.timeline = new Timeline($('#seek') as HTMLInputElement, $('#chapter-marks'),
      $('#chapter-list'), $('#clock'), rec.started_at, end);
    this.media = new MediaTiles($('#media-tiles'), this.player.clock);
  }

  async start(): Promise<void> {
    $('#room-title').textContent = this.rec.title || this.rec.room;
    this.timeline.chapters(this.rec.chapters);
    this.timeline.onSeek = (t) => void this.seek(t);
    this.bindControls();
    this.ctx.viewer.tools.setAnnotating(false); // shown, locked: the recording's, not mine
    this.view.onApplied = () => {
      this.notes.reconcile();
      this.pointer.draw();
      this.applied++;
    };
    this.explore.onChange = () => this.renderExplore();
    void this.media.load(this.api, this.rec.id, this.rec.tracks);
    this.expose();
    this.renderWatermark(); // marked from the first frame
    await this.seek(this.rec.started_at);
  }

  private bindControls(): void {
    $('#play-btn').onclick = () => this.togglePlay();
    const speed = $('#speed') as HTMLSelectElement;
    speed.replaceChildren(...SPEEDS.map((s) => new Option(`${s}×`, String(s), s === 1, s === 1)));
    speed.onchange = () => this.player.setRate(Number(speed.value));
    $('#explore-btn').onclick = () => this.startExploring();
    $('#resume-btn').onclick = () => this.explore.leave();
    $('#lang-btn').onclick = () => setLang(currentLang() === 'en' ? 'zh-CN' : 'en');
    onLangChange(() => { translate(); this.timeline.chapters(this.rec.chapters); this.render(); });
    bindTools($('#toolbar'), this.ctx.viewer.tools, () => this.startExploring());
    const grid = $('#viewer-grid');
    // Any hand on the image means "let me look myself": detach before the tool acts.
    grid.addEventListener('pointerdown', () => this.startExploring(), { capture: true });
    grid.addEventListener('wheel', () => this.startExploring(), { capture: true, passive: true });
    document.addEventListener('keydown', (e) => {
      if (e.key === ' ' && e.target === document.body) { e.preventDefault(); this.togglePlay(); }
    });
  }

  private wasPlaying = false;

  private startExploring(): void {
    if (!this.ctx.following) return;
    this.wasPlaying = this.player.clock.playing;
    this.player.pause();
    this.explore.enter();
  }

  /** Resume: the recording's view at the paused moment, playing again if it was. */
  private backToRecording(): void {
    this.view.resync();
    this.notes.reconcile();
    if (this.wasPlaying) this.player.play();
    this.wasPlaying = false;
  }

  private togglePlay(): void {
    if (!this.ctx.following) this.explore.leave();
    if (this.player.clock.playing) this.player.pause();
    else this.player.play();
  }

  async seek(t: number): Promise<void> {
    if (!this.ctx.following) {
      this.wasPlaying = false;
      this.explore.leave();
    }
    await this.player.seek(t);
  }

  private load(s: SnapshotMessage): void {
    for (const id of this.ctx.state.participants.keys()) this.pointer.forget(id);
    this.ctx.state = stateFromWire(s.state);
    this.ctx.activeViewport = this.ctx.state.active_viewport;
    this.view.resync();
    this.notes.reconcile();
    this.queueRender();
  }

  private events(list: RoomEvent[]): void {
    let view = false;
    let panels = false;
    for (const e of list) {
      if (e.type === 'pointer_moved') {
        this.pointer.received(e);
        continue;
      }
      apply(this.ctx.state, e);
      if (VIEW_EVENTS.has(e.type)) view = true;
      else panels = true;
      if (e.type === 'participant_left') this.pointer.forget(e.participant);
      if (e.type === 'active_viewport_changed') this.ctx.activeViewport = e.viewport;
    }
    if (view) this.view.roomChanged();
    this.notes.reconcile();
    if (panels) this.queueRender();
  }

  private tick(): void {
    const t = this.player.clock.position();
    this.timeline.show(t);
    this.media.sync();
    $('#play-btn').textContent = label(this.player.clock.playing ? 'pause' : 'play');
    $('#play-btn').dataset.playing = String(this.player.clock.playing);
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.render(); });
  }

  private render(): void {
    renderParticipants(this.ctx);
    renderChat(this.ctx);
    this.ctx.viewer.elements.forEach((el, i) => el.classList.toggle('active', i === this.ctx.activeViewport));
    this.renderExplore();
    this.renderWatermark();
    this.tick();
  }

  /** The recorded room's setting, with the identity of whoever watches the recording. */
  private renderWatermark(): void {
    const { name, role, sub } = this.viewerClaims;
    this.ctx.viewer.watermark.update(this.ctx.state.watermark, holderOf(name, role, sub));
  }

  private renderExplore(): void {
    const exploring = !this.ctx.following;
    $('#explore-bar').hidden = !exploring;
    $('#explore-btn').hidden = exploring;
    document.body.dataset.exploring = String(exploring);
  }

  /** Test/debug handle (the live client exposes the same shape as window.__huizhen). */
  private expose(): void {
    const { viewer } = this.ctx;
    Object.assign(window, { __playback: {
      ctx: this.ctx, player: this.player, notes: this.notes, recording: this.rec,
      applied: () => this.applied,
      seeks: () => this.player.seeks,
      position: () => this.player.clock.position(),
      exploring: () => !this.ctx.following,
      viewport: (i: number) => ({
        image: viewer.currentRef(i), voi: viewer.readVoi(i), view: viewer.readView(i),
        index: viewer.viewport(i)?.getCurrentImageIdIndex() ?? null,
      }),
    } });
  }
}

/** A recording still being written has no end yet: its last chapter is the best guess. */
function lastChapter(rec: Recording): number {
  const last = rec.chapters[rec.chapters.length - 1];
  return Math.max(rec.started_at + 1, last ? last.at : rec.started_at);
}

void boot().catch((err: unknown) => {
  console.error(err);
  status(`${label('failed')}: ${String(err)}`);
});
