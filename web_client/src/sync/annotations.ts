// Annotations: my completed/modified/removed edits -> commands; the room's annotations ->
// Cornerstone (others' shown locked in their author's colour). Undo/redo of my own edits.
import { eventTarget, getRenderingEngine } from '@cornerstonejs/core';
import { annotation as csAnnotation, Enums as ToolEnums, utilities as toolUtils } from '@cornerstonejs/tools';
import { can, type Ctx } from '../context';
import type { Annotation } from '../protocol/types';
import { allCs, fromWire, getCs, setLabel, toWire, worldPoints, type WireShape } from '../viewer/annotations';
import { viewportId } from '../viewer/viewer';
import { colourOf } from '../colours';

interface Edit { before: WireShape | null; after: WireShape | null }
const MODIFY_DEBOUNCE_MS = 250;
const E = ToolEnums.Events;

export class AnnotationSync {
  /** Annotation ids this client placed into Cornerstone from the room (with their version). */
  private readonly applied = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private readonly undoStack: Edit[] = [];
  private readonly redoStack: Edit[] = [];
  private silent = 0;
  onError: (code: string) => void = () => undefined;

  constructor(private readonly ctx: Ctx) {
    eventTarget.addEventListener(E.ANNOTATION_COMPLETED, (e: Event) => void this.completed(e as CustomEvent));
    eventTarget.addEventListener(E.ANNOTATION_MODIFIED, (e: Event) => this.modified(e as CustomEvent));
    eventTarget.addEventListener(E.ANNOTATION_REMOVED, (e: Event) => void this.removed(e as CustomEvent));
  }

  private mine(id: string): boolean {
    const a = this.ctx.state.annotations.get(id);
    return a ? a.author === this.ctx.me : !this.applied.has(id);
  }

  private async completed(e: CustomEvent): Promise<void> {
    if (this.silent > 0) return;
    const shape = toWire(e.detail.annotation, this.ctx.web);
    if (!shape || this.ctx.state.annotations.has(shape.id)) return;
    if (!can(this.ctx, 'annotate')) return this.drop(shape.id, 'forbidden');
    this.record({ before: null, after: shape });
    await this.create(shape);
  }

  private async create(shape: WireShape): Promise<void> {
    const r = await this.ctx.send({ type: 'create_annotation', ...shape });
    if (!r.ok) this.drop(shape.id, r.code ?? 'error');
  }

  private drop(id: string, code: string): void {
    this.silently(() => csAnnotation.state.removeAnnotation(id));
    this.render();
    this.onError(code);
  }

  private modified(e: CustomEvent): void {
    const a = e.detail.annotation;
    if (this.silent > 0 || !a?.annotationUID || !this.mine(a.annotationUID)) return;
    if (!this.ctx.state.annotations.has(a.annotationUID)) return;
    const id: string = a.annotationUID;
    window.clearTimeout(this.pending.get(id));
    this.pending.set(id, window.setTimeout(() => void this.sendUpdate(id), MODIFY_DEBOUNCE_MS));
  }

  private async sendUpdate(id: string): Promise<void> {
    this.pending.delete(id);
    const cs = getCs(id);
    const room = this.ctx.state.annotations.get(id);
    const shape = cs ? toWire(cs, this.ctx.web) : null;
    if (!shape || !room || samePoints(shape, room)) return;
    this.record({ before: wireOf(room), after: shape });
    await this.update(room, shape);
  }

  private async update(room: Annotation, shape: WireShape): Promise<void> {
    const r = await this.ctx.send({
      type: 'update_annotation', id: room.id, base_version: room.version, points: shape.points,
      text: shape.text,
    });
    if (!r.ok) {
      this.applied.delete(room.id);
      this.reconcile();
      this.onError(r.code ?? 'error');
    }
  }

  private async removed(e: CustomEvent): Promise<void> {
    const id: string | undefined = e.detail.annotation?.annotationUID;
    if (this.silent > 0 || !id) return;
    const room = this.ctx.state.annotations.get(id);
    if (!room) return;
    this.record({ before: wireOf(room), after: null });
    await this.remove(room);
  }

  private async remove(room: Annotation): Promise<void> {
    const r = await this.ctx.send({ type: 'delete_annotation', id: room.id, base_version: room.version });
    if (!r.ok) {
      this.applied.delete(room.id);
      this.reconcile();
      this.onError(r.code ?? 'error');
    }
  }

  /** Delete the selected annotations (or my last one). */
  deleteSelected(): void {
    const ids = csAnnotation.selection.getAnnotationsSelected() ?? [];
    const own = [...this.ctx.state.annotations.values()].filter((a) => a.author === this.ctx.me);
    const targets = ids.length > 0 ? ids : own.slice(-1).map((a) => a.id);
    for (const id of targets) {
      const room = this.ctx.state.annotations.get(id);
      if (!room) continue;
      if (room.author !== this.ctx.me && !can(this.ctx, 'moderate')) {
        this.onError('forbidden');
        continue;
      }
      this.record({ before: wireOf(room), after: null });
      void this.remove(room);
    }
  }

  private record(edit: Edit): void {
    this.undoStack.push(edit);
    this.redoStack.length = 0;
  }

  undo(): void {
    const edit = this.undoStack.pop();
    if (edit) void this.revert(edit.after, edit.before).then(() => this.redoStack.push(edit));
  }

  redo(): void {
    const edit = this.redoStack.pop();
    if (edit) void this.revert(edit.before, edit.after).then(() => this.undoStack.push(edit));
  }

  /** Move an annotation from `from` to `to` (either may be null: absent). */
  private async revert(from: WireShape | null, to: WireShape | null): Promise<void> {
    const id = (to ?? from)?.id;
    const room = id ? this.ctx.state.annotations.get(id) : undefined;
    if (!to && room) return this.remove(room);
    if (to && !room) return this.create(to);
    if (to && room) return this.update(room, to);
  }

  /** Bring Cornerstone's annotations in line with the room's. */
  reconcile(): void {
    let changed = false;
    this.silently(() => {
      for (const a of this.ctx.state.annotations.values()) changed = this.place(a) || changed;
      for (const id of [...this.applied.keys()]) {
        if (this.ctx.state.annotations.has(id)) continue;
        this.applied.delete(id);
        changed = true;
        if (getCs(id)) csAnnotation.state.removeAnnotation(id);
      }
    });
    if (changed) this.render();
  }

  /** Returns whether Cornerstone's annotation changed. */
  private place(a: Annotation): boolean {
    if (this.applied.get(a.id) === a.version) return false;
    const cs = getCs(a.id);
    if (cs && a.author === this.ctx.me && this.pending.has(a.id)) return false;
    const imageId = this.ctx.web.idOf(a.image);
    if (!imageId) return false;
    if (cs) {
      if (cs.data.handles) cs.data.handles.points = worldPoints(a, imageId);
      setLabel(cs, a.text);
      cs.invalidated = true;
    } else {
      const created = fromWire(a, this.ctx.web);
      if (!created) return false;
      csAnnotation.state.addAnnotation(created, created.metadata?.FrameOfReferenceUID ?? '');
    }
    this.style(a);
    this.applied.set(a.id, a.version);
    return true;
  }

  private style(a: Annotation): void {
    const mine = a.author === this.ctx.me;
    csAnnotation.locking.setAnnotationLocked(a.id, !mine && !can(this.ctx, 'moderate'));
    if (!mine) {
      const color = colourOf(this.ctx.state, a.author);
      csAnnotation.config.style.setAnnotationStyles(a.id, {
        color, colorHighlighted: color, colorSelected: color, colorLocked: color,
        textBoxColor: color, textBoxColorHighlighted: color, textBoxColorSelected: color,
        textBoxColorLocked: color,
      } as never);
    }
  }

  private ownColour = '';

  /** My own annotations (drawn locally, before the room echoes them) in my room colour,
   *  not Cornerstone's default green/yellow; others' get theirs in `style`. */
  applyOwnColour(): void {
    const colour = colourOf(this.ctx.state, this.ctx.me);
    if (!this.ctx.state.participants.has(this.ctx.me) || colour === this.ownColour) return;
    this.ownColour = colour;
    const styles = csAnnotation.config.style.getDefaultToolStyles();
    csAnnotation.config.style.setDefaultToolStyles({
      ...styles,
      global: {
        ...styles.global, color: colour, colorHighlighted: colour, colorSelected: '#ffffff',
        textBoxColor: colour, textBoxColorHighlighted: colour, textBoxColorSelected: '#ffffff',
      },
    } as never);
    this.render();
  }

  private silently(fn: () => void): void {
    this.silent++;
    try {
      fn();
    } finally {
      this.silent--;
    }
  }

  render(): void {
    const ids = this.ctx.viewer.elements.map((_, i) => viewportId(i));
    if (getRenderingEngine('huizhen')) toolUtils.triggerAnnotationRenderForViewportIds(ids);
  }

  /** Test/debug view: each annotation's wire shape and Cornerstone's computed stats. */
  describe(): unknown[] {
    return allCs().map((a) => ({
      id: a.annotationUID, tool: a.metadata?.toolName, stats: a.data.cachedStats,
      wire: toWire(a, this.ctx.web), colour: drawnColour(a.annotationUID ?? ''),
    }));
  }
}

function wireOf(a: Annotation): WireShape {
  return { id: a.id, kind: a.kind, image: a.image, points: a.points, text: a.text };
}

function samePoints(a: WireShape, b: Annotation): boolean {
  return JSON.stringify(a.points) === JSON.stringify(b.points) && a.text === b.text;
}

/** The colour Cornerstone draws an annotation in: its own style, else the default. */
function drawnColour(id: string): string | undefined {
  const style = csAnnotation.config.style;
  const own = style.getAnnotationToolStyles(id) as { color?: string } | undefined;
  return own?.color ?? (style.getDefaultToolStyles().global as { color?: string } | undefined)?.color;
}
