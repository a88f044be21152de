// The identity watermark: over every image viewport, a faint canvas of the viewer's own name,
// role, identity and the current minute, tiled and rotated, so a screenshot shows who took it.
// It never takes input (pointer-events none) and sits above Cornerstone's canvas and the text
// overlays, so it is in every screenshot of the page.
//
// The page cannot switch it off, only the room's `watermark` setting can: a layer removed or
// hidden through the DOM (devtools) is put back by a MutationObserver, and a check every second
// catches what no mutation reports (a style sheet rule, a cleared canvas). A determined user
// with devtools can still defeat any client-side mark (docs/security/watermark.md); images the
// server renders carry it burned in.

/** Whose mark: shown as `name · role` over `identity · YYYY-MM-DD HH:MM`. */
export interface Holder { name: string; role: string; identity: string }

const ALPHA = 0.12; // faint: the anatomy stays readable; on black a text pixel is ~30/255
const FONT_PX = 13;
const ANGLE = -Math.PI / 6; // 30°, rising to the right
const CHECK_MS = 1000;

/** Inline declarations, each `!important`: inline important beats any style sheet rule. */
const LAYER_STYLE: Record<string, string> = {
  position: 'absolute', inset: '0', width: '100%', height: '100%', display: 'block',
  visibility: 'visible', opacity: '1', 'pointer-events': 'none', 'z-index': '6',
  transform: 'none', filter: 'none', 'clip-path': 'none', 'mix-blend-mode': 'normal',
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function minuteText(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function markLines(holder: Holder, now: Date): string[] {
  const who = holder.name.trim() ? `${holder.name.trim()} · ${holder.role}` : holder.role;
  return [who, `${holder.identity} · ${minuteText(now)}`];
}

/** One viewport's layer: the canvas, and the observer that puts it back. */
class Layer {
  readonly canvas = document.createElement('canvas');
  private readonly observer = new MutationObserver(() => this.restore());

  constructor(readonly host: HTMLElement, private readonly lines: () => string[]) {
    this.canvas.className = 'watermark';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.restore();
  }

  /** Make the layer present, visible and drawn; observe what could undo that. */
  restore(): void {
    this.observer.disconnect();
    if (this.canvas.parentElement !== this.host) this.host.append(this.canvas);
    this.canvas.removeAttribute('hidden');
    this.canvas.className = 'watermark';
    for (const [name, value] of Object.entries(LAYER_STYLE)) {
      const style = this.canvas.style;
      if (style.getPropertyValue(name) !== value || style.getPropertyPriority(name) !== 'important') {
        style.setProperty(name, value, 'important');
      }
    }
    this.draw();
    this.observer.observe(this.host, { childList: true });
    this.observer.observe(this.canvas, { attributes: true });
  }

  /** Redraw at the element's size (a resize clears a canvas, so does anyone's clearRect). */
  draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.host.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.host.clientHeight * dpr));
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    const lines = this.lines();
    const text = lines.join('\n');
    if (this.canvas.dataset.text !== text) this.canvas.dataset.text = text;
    const g = this.canvas.getContext('2d');
    if (g) tile(g, w, h, lines, FONT_PX * dpr);
  }

  /** True when the layer still is as `restore` left it (what a mutation may not report). */
  intact(): boolean {
    if (this.canvas.parentElement !== this.host) return false; // z-index keeps it on top
    const shown = getComputedStyle(this.canvas);
    return shown.display !== 'none' && shown.visibility === 'visible' && shown.opacity === '1';
  }

  remove(): void {
    this.observer.disconnect();
    this.canvas.remove();
  }
}

/** One period of the pattern: the lines twice, the second row shifted half a step (stagger). */
function tileOf(lines: string[], px: number): HTMLCanvasElement {
  const tile = document.createElement('canvas');
  const font = `${px}px sans-serif`;
  const probe = tile.getContext('2d');
  if (!probe) return tile;
  probe.font = font;
  const lineH = px * 1.3;
  const stepX = Math.ceil(Math.max(...lines.map((l) => probe.measureText(l).width), px) * 1.4 + px * 2);
  const stepY = Math.ceil(lineH * lines.length * 2.6);
  tile.width = stepX;
  tile.height = stepY * 2;
  const g = tile.getContext('2d');
  if (!g) return tile;
  g.font = font; // resizing the canvas reset the context
  g.textBaseline = 'top';
  g.lineJoin = 'round';
  g.lineWidth = Math.max(1, px / 6);
  g.strokeStyle = `rgba(0, 0, 0, ${ALPHA})`;
  g.fillStyle = `rgba(255, 255, 255, ${ALPHA})`;
  const origins: [number, number][] = [[px, px], [px + stepX / 2, px + stepY], [px - stepX / 2, px + stepY]];
  for (const [x, y] of origins) {
    lines.forEach((line, i) => {
      g.strokeText(line, x, y + i * lineH);
      g.fillText(line, x, y + i * lineH);
    });
  }
  return tile;
}

let cached: { key: string; tile: HTMLCanvasElement } | null = null;

/** The pattern over the whole canvas, rotated: one fill, cheap enough to redraw every second. */
function tile(g: CanvasRenderingContext2D, w: number, h: number, lines: string[], px: number): void {
  const key = `${px}\n${lines.join('\n')}`;
  if (cached?.key !== key) cached = { key, tile: tileOf(lines, px) };
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, w, h);
  const pattern = g.createPattern(cached.tile, 'repeat');
  if (!pattern) return;
  const reach = Math.hypot(w, h);
  g.translate(w / 2, h / 2);
  g.rotate(ANGLE);
  g.fillStyle = pattern;
  g.fillRect(-reach, -reach, 2 * reach, 2 * reach);
  g.setTransform(1, 0, 0, 1, 0, 0);
}

export class Watermark {
  private layers: Layer[] = [];
  private elements: HTMLElement[] = [];
  private holder: Holder | null = null;
  private enabled = true;
  private timer: number | null = null;
  private readonly resize = new ResizeObserver(() => this.drawAll());

  /** The viewport elements of the current layout (the old ones are gone). */
  attach(elements: HTMLElement[]): void {
    this.elements = elements;
    this.rebuild();
  }

  /** The room's setting and whose mark; cheap when nothing changed (called on every render). */
  update(enabled: boolean, holder: Holder): void {
    const same = this.holder && this.holder.name === holder.name && this.holder.role === holder.role
      && this.holder.identity === holder.identity;
    if (same && enabled === this.enabled) return;
    this.holder = holder;
    this.enabled = enabled;
    this.rebuild();
  }

  /** The text each layer shows now (tests read it from the canvases' `data-text` too). */
  lines(): string[] {
    return this.holder ? markLines(this.holder, new Date()) : [];
  }

  get shown(): boolean {
    return this.layers.length > 0;
  }

  private rebuild(): void {
    for (const layer of this.layers) layer.remove();
    this.resize.disconnect();
    this.layers = [];
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    if (!this.enabled || !this.holder) return;
    this.layers = this.elements.map((el) => new Layer(el, () => this.lines()));
    for (const el of this.elements) this.resize.observe(el);
    this.timer = window.setInterval(() => this.check(), CHECK_MS);
  }

  /** Every second: a tampered layer is restored, the others redrawn (a new minute shows; a
   *  clearRect, which no observer sees, is undone; one pattern fill is cheap). */
  private check(): void {
    for (const layer of this.layers) {
      if (layer.intact()) layer.draw();
      else layer.restore();
    }
  }

  private drawAll(): void {
    for (const layer of this.layers) layer.draw();
  }
}
