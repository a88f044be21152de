// Review: key images (mark/unmark the active viewport's image; a strip of the marked ones) and
// the annotation list (by author, in their colour). Both are room state, so the report can cite
// them; clicking an entry shows its image in the active viewport (a follower explores).
import { Enums } from '@cornerstonejs/core';
import { colourOf } from '../colours';
import { can, type Ctx } from '../context';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { Annotation, ImageRef } from '../protocol/types';
import { $, button, toast } from './dom';

const same = (a: ImageRef | null, b: ImageRef) =>
  a !== null && a.sop === b.sop && a.frame === b.frame && a.series === b.series;

export class Review {
  /** Show an image in the active viewport (the page explores first if I follow). */
  jump: (image: ImageRef) => void = () => undefined;

  constructor(private readonly ctx: Ctx) {
    // Cornerstone's events do not bubble; a capture listener on the grid still sees them.
    $('#viewer-grid').addEventListener(Enums.Events.STACK_NEW_IMAGE, () => this.markShown(), true);
  }

  private shownImage(): ImageRef | null {
    return this.ctx.viewer.currentRef(this.ctx.activeViewport);
  }

  isKey(image: ImageRef | null): boolean {
    return image !== null && this.ctx.state.key_images.some((k) => same(image, k));
  }

  /** Mark the active viewport's image as a key image, or unmark it. */
  async toggleKey(): Promise<void> {
    const image = this.shownImage();
    if (!image || !can(this.ctx, 'annotate')) return;
    const r = await this.ctx.send({ type: 'set_key_image', image, marked: !this.isKey(image) });
    if (!r.ok && r.code !== 'conflict') toast(`${t('error_generic')}: ${r.code ?? ''}`);
  }

  render(): void {
    this.renderStrip();
    this.renderNotes();
    this.markShown();
  }

  /** The key-image button and the viewport say whether the image shown is a key image. */
  private markShown(): void {
    const key = this.isKey(this.shownImage());
    document.querySelector('[data-action="key-image"]')?.classList.toggle('active', key);
    this.ctx.viewer.elements.forEach((el, i) => {
      el.classList.toggle('key-image', this.isKey(this.ctx.viewer.currentRef(i)));
    });
  }

  /** "#series n/N" from the loaded series (the SOP UID's tail before it is loaded). */
  label(image: ImageRef): string {
    const { web } = this.ctx;
    const series = web.series.get(image.series);
    const id = web.idOf(image);
    const k = id && series ? series.imageIds.indexOf(id) : -1;
    if (k < 0 || !series) return `…${image.sop.slice(-6)}`;
    return `${series.modality} #${series.number} · ${k + 1}/${series.imageIds.length}`;
  }

  private renderStrip(): void {
    const strip = $('#key-strip');
    const keys = this.ctx.state.key_images;
    strip.hidden = keys.length === 0;
    const title = document.createElement('span');
    title.className = 'strip-title';
    title.textContent = `★ ${t('key_images')}`;
    strip.replaceChildren(title, ...keys.map((k) => button(this.label(k), () => this.jump(k),
      { 'data-key-image': k.sop })));
  }

  private renderNotes(): void {
    const byAuthor = new Map<string, Annotation[]>();
    for (const a of this.ctx.state.annotations.values()) {
      byAuthor.set(a.author, [...(byAuthor.get(a.author) ?? []), a]);
    }
    const items: HTMLElement[] = [];
    for (const [author, notes] of byAuthor) {
      const head = document.createElement('li');
      head.className = 'note-author';
      head.dataset.author = author;
      head.style.color = colourOf(this.ctx.state, author);
      head.textContent = this.ctx.state.participants.get(author)?.name ?? author;
      items.push(head, ...notes.map((a) => this.noteItem(a)));
    }
    if (items.length === 0) {
      items.push(Object.assign(document.createElement('li'), { className: 'muted', textContent: t('no_annotations') }));
    }
    $('#annotation-list').replaceChildren(...items);
  }

  private noteItem(a: Annotation): HTMLElement {
    const li = document.createElement('li');
    const text = a.text ? ` “${a.text}”` : '';
    li.append(button(`${t(`tool_${a.kind}` as MessageKey)}${text} · ${this.label(a.image)}`,
      () => this.jump(a.image), { 'data-annotation': a.id }));
    return li;
  }
}
