// The timeline: a seek slider with chapter marks, the chapter list, the clock readout.
import type { Chapter } from './api';
import { label } from './strings';

export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  return `${mm}:${String(s % 60).padStart(2, '0')}`;
}

export class Timeline {
  /** Called with a server time when the user seeks. */
  onSeek: (t: number) => void = () => undefined;
  private dragging = false;

  constructor(
    private readonly slider: HTMLInputElement,
    private readonly marks: HTMLElement,
    private readonly list: HTMLElement,
    private readonly readout: HTMLElement,
    private readonly start: number,
    private readonly end: number,
  ) {
    slider.min = '0';
    slider.max = String(Math.max(0.001, end - start));
    slider.step = '0.01';
    slider.oninput = () => { this.dragging = true; this.show(start + Number(slider.value)); };
    slider.onchange = () => { this.dragging = false; this.onSeek(start + Number(slider.value)); };
  }

  chapters(chapters: Chapter[]): void {
    const span = Math.max(0.001, this.end - this.start);
    this.marks.replaceChildren(...chapters.map((c) => {
      const mark = document.createElement('button');
      mark.type = 'button';
      mark.className = `chapter-mark kind-${c.kind}`;
      mark.style.left = `${(100 * (c.at - this.start)) / span}%`;
      mark.title = `${clockText(c.at - this.start)} ${c.label}`;
      mark.onclick = () => this.onSeek(c.at);
      return mark;
    }));
    this.list.replaceChildren(...chapters.map((c, i) => this.row(c, i)));
  }

  private row(c: Chapter, i: number): HTMLElement {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `chapter kind-${c.kind}`;
    b.dataset.chapter = String(i);
    b.dataset.kind = c.kind;
    b.dataset.at = String(c.at);
    const time = document.createElement('span');
    time.className = 'chapter-time';
    time.textContent = clockText(c.at - this.start);
    const kind = document.createElement('span');
    kind.className = 'chapter-kind';
    kind.textContent = label(`chapter_${c.kind}`);
    const text = document.createElement('span');
    text.textContent = c.label;
    b.append(time, kind, text);
    b.onclick = () => this.onSeek(c.at);
    li.append(b);
    return li;
  }

  /** Reflect the clock (unless the user is dragging the slider). */
  show(t: number): void {
    if (!this.dragging) this.slider.value = String(t - this.start);
    this.readout.textContent = `${clockText(t - this.start)} / ${clockText(this.end - this.start)}`;
    for (const b of this.list.querySelectorAll<HTMLElement>('.chapter')) {
      b.classList.toggle('past', Number(b.dataset.at) <= t);
    }
  }
}
