// Boot: token -> UI -> Cornerstone -> WebSocket; dispatch server messages to the mirrors.
import './style.css';
import { can, driving, type Ctx } from './context';
import { onLangChange, setLang, currentLang, t, translateStatic } from './i18n';
import { MediaCall } from './media/call';
import { Connection } from './protocol/connection';
import type { RoomEvent, ServerMessage, Welcome } from './protocol/types';
import { apply } from './room/reducer';
import { emptyState, stateFromWire } from './room/snapshot';
import { readClaims, takeToken, wsUrl } from './session';
import { AnnotationSync } from './sync/annotations';
import { PointerSync } from './sync/pointer';
import { ViewSync } from './sync/view';
import { $, toast } from './ui/dom';
import { bindInput } from './ui/input';
import { bindChat, renderChat, renderControls, renderParticipants } from './ui/panels';
import { refreshStatus, showStatus } from './ui/status';
import { Thumbnails } from './ui/thumbnails';
import { askText } from './ui/textprompt';
import { Toolbar } from './ui/toolbar';
import { DicomWeb } from './viewer/dicomweb';
import { initCornerstone } from './viewer/setup';
import { Viewer } from './viewer/viewer';

/** Messages that change nothing the side panels show. */
const QUIET = new Set(['pointer_moved', 'ack', 'pong']);
const VIEW_EVENTS = new Set([
  'layout_changed', 'active_viewport_changed', 'image_changed', 'voi_changed',
  'presentation_changed', 'invert_changed', 'cine_changed',
]);

async function boot(): Promise<void> {
  translateStatic();
  const token = takeToken();
  const claims = token ? readClaims(token) : null;
  if (!token || !claims) return showStatus('no_token');
  if (claims.exp && claims.exp * 1000 < Date.now()) return showStatus('token_expired');
  showStatus('connecting');
  await initCornerstone(token);
  const web = new DicomWeb(token);
  const viewer = new Viewer($('#viewer-grid'), web);
  let renderQueued = false;
  const ctx: Ctx = {
    state: emptyState(claims.room), me: claims.sub, viewer, web, following: true,
    activeViewport: 0,
    conn: new Connection(wsUrl(), token, {
      onMessages: (m) => dispatch(m),
      onStatus: (s) => { showStatus(s); media.status(s); },
    }),
    send: (c) => ctx.conn.send(c),
    changed: () => {
      if (renderQueued) return;
      renderQueued = true;
      requestAnimationFrame(() => { renderQueued = false; renderAll(); });
    },
  };
  const view = new ViewSync(ctx);
  const notes = new AnnotationSync(ctx);
  const pointer = new PointerSync(ctx);
  const thumbs = new Thumbnails(ctx);
  const media = new MediaCall(ctx);
  notes.onError = (code) => toast(code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${code}`);
  viewer.tools.arrowText = () => askText('arrow_text');
  const explore = (): void => {
    if (driving(ctx) || !ctx.following) return;
    ctx.following = false;
    void ctx.send({ type: 'set_following', following: false });
    ctx.changed();
  };
  const follow = (): void => {
    ctx.following = true;
    void ctx.send({ type: 'set_following', following: true });
    view.resync();
    ctx.changed();
  };
  const toolbar = new Toolbar({ ctx, view, notes, pointer, beforeLocalChange: explore });
  thumbs.onPick = (s) => void pick(s.study, s.uid);
  $('#follow-btn').onclick = follow;
  $('#lang-btn').onclick = () => setLang(currentLang() === 'en' ? 'zh-CN' : 'en');
  onLangChange(() => { refreshStatus(); renderAll(); void thumbs.render(); });
  bindChat(ctx);
  bindInput({ ctx, toolbar, notes, explore, pick: (d) => void step(d) });

  async function pick(study: string, series: string): Promise<void> {
    explore();
    const ids = await web.loadSeries(study, series);
    const ref = ids[0] ? web.refOf(ids[0]) : null;
    if (ref) await viewer.showImage(ctx.activeViewport, ref);
    thumbs.mark();
  }

  /** PgUp/PgDn: previous/next series in the active viewport. */
  async function step(delta: number): Promise<void> {
    const list = [...web.series.values()];
    const cur = viewer.currentRef(ctx.activeViewport)?.series;
    const k = list.findIndex((s) => s.uid === cur);
    const next = list[Math.min(list.length - 1, Math.max(0, k + delta))];
    if (next && next.uid !== cur) await pick(next.study, next.uid);
  }

  let annotating: boolean | null = null;
  function renderAll(): void {
    renderParticipants(ctx);
    renderChat(ctx);
    renderControls(ctx);
    toolbar.render();
    const annotate = can(ctx, 'annotate');
    if (annotate !== annotating) viewer.tools.setAnnotating(annotate);
    annotating = annotate;
    $('#explore-bar').hidden = ctx.following || driving(ctx);
    viewer.elements.forEach((el, i) => {
      el.classList.toggle('active', i === ctx.activeViewport);
      pointer.attach(el, i);
    });
    thumbs.mark();
    media.render();
  }

  function welcome(m: Welcome): void {
    if (m.snapshot) ctx.state = stateFromWire(m.snapshot);
    ctx.me = m.you;
    ctx.following = ctx.state.participants.get(ctx.me)?.following ?? true;
    if (ctx.state.driver === ctx.me) ctx.following = true;
    view.resync();
    void thumbs.render();
  }

  function event(e: RoomEvent): void {
    if (e.type === 'pointer_moved') return pointer.received(e);
    const wasDriving = driving(ctx);
    apply(ctx.state, e);
    if (VIEW_EVENTS.has(e.type)) view.roomChanged();
    if (e.type.startsWith('annotation_')) notes.reconcile();
    if (e.type === 'study_attached' || e.type === 'study_detached') void thumbs.render();
    if (e.type === 'participant_left') pointer.forget(String(e.participant));
    if (e.type === 'control_changed' && !wasDriving && driving(ctx)) {
      ctx.following = true;
      view.announce();
    }
    if (e.type === 'active_viewport_changed' && !driving(ctx) && ctx.following) {
      ctx.activeViewport = Number(e.viewport);
    }
  }

  function dispatch(received: ServerMessage[]): void {
    const messages = received.filter((m) => !media.receive(m)); // signalling, speaker
    // View-only traffic (the bulk while someone drives) must not rebuild the panels.
    const panels = messages.some((m) => !VIEW_EVENTS.has(m.type) && !QUIET.has(m.type));
    for (const m of messages) {
      if (m.type === 'welcome') welcome(m as Welcome);
      else if (m.type === 'snapshot') {
        ctx.state = stateFromWire(m.state as Record<string, unknown>);
        view.resync();
      } else if (m.type === 'error' && m.ref == null) toast(`${t('error_generic')}: ${String(m.code)}`);
      else if (m.type !== 'ack' && m.type !== 'error' && m.type !== 'pong') event(m as RoomEvent);
    }
    notes.reconcile();
    if (panels) ctx.changed();
  }

  view.onApplied = () => {
    notes.reconcile();
    pointer.draw();
    appliedCount++;
    thumbs.mark();
  };
  let appliedCount = 0;
  (window as unknown as Record<string, unknown>).__huizhen = {
    ctx, view, notes, pointer, toolbar, media,
    applied: () => appliedCount,
    viewport: (i: number) => ({
      image: viewer.currentRef(i), voi: viewer.readVoi(i), view: viewer.readView(i),
      index: viewer.viewport(i)?.getCurrentImageIdIndex() ?? null,
    }),
  };
  ctx.conn.start();
}

void boot().catch((err: unknown) => {
  console.error(err);
  showStatus('connecting');
  $('#status-text').textContent = `Error: ${String(err)}`;
});
