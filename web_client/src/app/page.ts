// The live room page: builds the mirrors and the UI around one Connection, binds the page's
// controls, and renders the panels at most once per animation frame.
import type { Access } from '../access';
import { can, driving, type Ctx } from '../context';
import { currentLang, onLangChange, setLang, t } from '../i18n';
import { MediaCall } from '../media/call';
import { Connection } from '../protocol/connection';
import type { ImageRef } from '../protocol/types';
import { emptyState } from '../room/snapshot';
import { wsUrl, type Claims } from '../session';
import { AnnotationSync } from '../sync/annotations';
import { DriftDetector } from '../sync/drift';
import { PointerSync } from '../sync/pointer';
import { ViewSync } from '../sync/view';
import { $, toast } from '../ui/dom';
import { bindInput } from '../ui/input';
import { Chat } from '../ui/chat';
import { act, renderControls, renderParticipants } from '../ui/panels';
import { bindAccessLog, renderAccessLog } from '../ui/audit';
import { renderAttention, renderBans } from '../ui/moderation';
import { bindRecording, renderRecording } from '../ui/recording';
import { Review } from '../ui/review';
import { refreshStatus, showStatus } from '../ui/status';
import { RedactionMode } from '../ui/redaction';
import { ShareStudy } from '../ui/share';
import { askText } from '../ui/textprompt';
import { Thumbnails } from '../ui/thumbnails';
import { Toolbar } from '../ui/toolbar';
import { bindWatermark, renderWatermark } from '../ui/watermark';
import { DicomWeb } from '../viewer/dicomweb';
import { Viewer } from '../viewer/viewer';
import { Inbox } from './inbox';

/** The live page's context: the shared one plus the socket (tests reach `ctx.conn.ws`). */
export interface LiveCtx extends Ctx {
  readonly conn: Connection;
}

export class RoomPage {
  readonly ctx: LiveCtx;
  readonly view: ViewSync;
  readonly notes: AnnotationSync;
  readonly pointer: PointerSync;
  readonly thumbs: Thumbnails;
  readonly media: MediaCall;
  readonly toolbar: Toolbar;
  readonly drift: DriftDetector;
  readonly review: Review;
  readonly chat: Chat;
  readonly redaction: RedactionMode;
  private readonly inbox: Inbox;
  private renderQueued = false;
  private annotating: boolean | null = null;
  private applied = 0;

  constructor(readonly access: Access, private readonly claims: Claims) {
    const token = access.token;
    const web = new DicomWeb(token);
    const viewer = new Viewer($('#viewer-grid'), web);
    const conn = new Connection(wsUrl(), token, {
      onMessages: (messages) => this.inbox.dispatch(messages),
      onStatus: (status) => { showStatus(status); this.media.status(status); },
    });
    this.ctx = {
      state: emptyState(claims.room), me: claims.sub, viewer, web, following: true,
      activeViewport: 0, conn,
      send: (command) => conn.send(command),
      changed: () => this.queueRender(),
    };
    this.view = new ViewSync(this.ctx);
    this.notes = new AnnotationSync(this.ctx);
    this.pointer = new PointerSync(this.ctx);
    this.thumbs = new Thumbnails(this.ctx);
    this.media = new MediaCall(this.ctx, (message) => conn.sendRaw(message));
    this.redaction = new RedactionMode(this.ctx, token);
    bindAccessLog(this.ctx, token);
    this.toolbar = new Toolbar({
      ctx: this.ctx, view: this.view, notes: this.notes, pointer: this.pointer,
      toggleKey: () => void this.review.toggleKey(),
      redaction: this.redaction,
      share: new ShareStudy(this.ctx, token),
      beforeLocalChange: () => this.explore(),
    });
    this.review = new Review(this.ctx);
    this.chat = new Chat(this.ctx);
    this.drift = new DriftDetector(this.ctx, () => this.view.busy, $('#drift-badge'));
    viewer.linker.active = () => driving(this.ctx) || !this.ctx.following;
    this.inbox = new Inbox(this);
  }

  start(): void {
    this.bindHooks();
    this.bindControls();
    this.expose();
    renderWatermark(this.ctx, this.claims); // marked from the first frame, before the welcome
    this.drift.start();
    this.ctx.conn.start();
  }

  /** A follower who touches the view detaches from the driver (the "Follow" bar shows). */
  explore(): void {
    if (driving(this.ctx) || !this.ctx.following) return;
    this.ctx.following = false;
    void this.ctx.send({ type: 'set_following', following: false });
    this.ctx.changed();
  }

  follow(): void {
    this.ctx.following = true;
    void this.ctx.send({ type: 'set_following', following: true });
    this.view.resync();
    this.ctx.changed();
  }

  /** Show a series' first image in the active viewport (a local change: detaches). */
  async pick(study: string, series: string): Promise<void> {
    this.explore();
    const { web, viewer } = this.ctx;
    const ids = await web.loadSeries(study, series);
    const ref = ids[0] ? web.refOf(ids[0]) : null;
    if (ref) await viewer.showImage(this.ctx.activeViewport, ref);
    this.thumbs.mark();
  }

  /** Show one image (a key image, an annotation's) in the active viewport (detaches). */
  async jump(image: ImageRef): Promise<void> {
    this.explore();
    await this.ctx.viewer.showImage(this.ctx.activeViewport, image);
    this.thumbs.mark();
  }

  /** PgUp/PgDn: previous/next series in the active viewport. */
  async step(delta: number): Promise<void> {
    const list = [...this.ctx.web.series.values()];
    const cur = this.ctx.viewer.currentRef(this.ctx.activeViewport)?.series;
    const k = list.findIndex((s) => s.uid === cur);
    const next = list[Math.min(list.length - 1, Math.max(0, k + delta))];
    if (next && next.uid !== cur) await this.pick(next.study, next.uid);
  }

  private bindHooks(): void {
    this.notes.onError = (code) =>
      toast(code === 'forbidden' ? t('forbidden') : `${t('error_generic')}: ${code}`);
    this.ctx.viewer.tools.arrowText = () => askText('arrow_text');
    this.thumbs.onPick = (s) => void this.pick(s.study, s.uid);
    this.review.jump = (image) => void this.jump(image);
    this.view.onApplied = () => {
      this.notes.reconcile();
      this.pointer.draw();
      this.applied++;
      this.thumbs.mark();
    };
  }

  private bindControls(): void {
    $('#follow-btn').onclick = () => this.follow();
    $('#lang-btn').onclick = () => setLang(currentLang() === 'en' ? 'zh-CN' : 'en');
    onLangChange(() => {
      refreshStatus(); this.render(); void this.thumbs.render(); this.ctx.viewer.refreshOverlays();
    });
    this.chat.bind((text) => void act(this.ctx, { type: 'post_chat', text }));
    bindRecording(this.ctx);
    bindWatermark(this.ctx);
    bindInput({
      ctx: this.ctx, toolbar: this.toolbar, notes: this.notes,
      explore: () => this.explore(), pick: (d) => void this.step(d),
    });
  }

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => { this.renderQueued = false; this.render(); });
  }

  private render(): void {
    const { ctx } = this;
    renderParticipants(ctx);
    renderBans(ctx);
    this.chat.render();
    renderControls(ctx);
    renderRecording(ctx);
    renderWatermark(ctx, this.claims);
    renderAttention(ctx);
    renderAccessLog(ctx);
    this.review.render();
    this.toolbar.render();
    this.notes.applyOwnColour();
    const annotate = can(ctx, 'annotate');
    if (annotate !== this.annotating) ctx.viewer.tools.setAnnotating(annotate);
    this.annotating = annotate;
    $('#explore-bar').hidden = ctx.following || driving(ctx);
    ctx.viewer.elements.forEach((el, i) => {
      el.classList.toggle('active', i === ctx.activeViewport);
      this.pointer.attach(el, i);
    });
    this.thumbs.mark();
    this.media.render();
  }

  /** `window.__huizhen`: the mirrored state and viewer readings, for tests and tools. */
  private expose(): void {
    const { ctx, view, notes, pointer, toolbar, media, review, redaction } = this;
    const viewer = ctx.viewer;
    Object.assign(window, {
      __huizhen: {
        ctx, view, notes, pointer, toolbar, media, review, redaction,
        access: this.access,
        applied: () => this.applied,
        drift: () => this.drift.report(),
        mpr: () => ({
          open: viewer.mpr.open, series: viewer.mpr.series, cameras: viewer.mpr.cameras(),
          state: ctx.state.mpr && viewer.mpr.read(ctx.state.mpr.study),
        }),
        viewport: (i: number) => ({
          image: viewer.currentRef(i), voi: viewer.readVoi(i), view: viewer.readView(i),
          index: viewer.viewport(i)?.getCurrentImageIdIndex() ?? null,
        }),
      },
    });
  }
}
