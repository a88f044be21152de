// MPR: axial, coronal and sagittal orthographic views of one series' volume, crossing at one
// point (crosshairs). The wire state (protocol Mpr) is semantic: the crossing point in patient
// mm, and per plane a camera relative to this page's own fitted view (zoom, pan as a fraction
// of the fitted view height) and a slab thickness; every page reconstructs the planes itself.
import {
  Enums, cache, metaData, setVolumesForViewports, utilities, volumeLoader,
  type RenderingEngine, type Types, type VolumeViewport,
} from '@cornerstonejs/core';
import { CrosshairsTool, Enums as ToolEnums, PanTool, StackScrollTool, ToolGroupManager, ZoomTool } from '@cornerstonejs/tools';
import { t } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { Mpr, MprPlane, Voi } from '../protocol/types';
import type { DicomWeb } from './dicomweb';

/** Crosshairs that move the planes (click, drag a line) but never rotate them: the room carries
 *  three orthogonal planes. Cornerstone has no switch for rotation alone ("draggable
 *  rotatable" also turns off jumping and dragging), so its rotation-handle lookup finds none. */
export class OrthogonalCrosshairs extends CrosshairsTool {
  static override toolName: string = 'HuizhenCrosshairs';
  override _getRotationHandleNearImagePoint(): null {
    return null;
  }
}

export const ORIENTATIONS = ['axial', 'coronal', 'sagittal'] as const;
const AXES = [Enums.OrientationAxis.AXIAL, Enums.OrientationAxis.CORONAL, Enums.OrientationAxis.SAGITTAL];
export const mprViewportId = (k: number) => `mpr-${ORIENTATIONS[k] ?? k}`;
const GROUP_ID = 'huizhen-mpr';
/** Cornerstone's thinnest slab (RENDERING_DEFAULTS.MINIMUM_SLAB_THICKNESS): "one slice". */
const THIN_SLAB = 0.05;
/** A volume needs this many slices to reconstruct anything worth looking at. */
const MIN_SLICES = 10;

type V3 = [number, number, number];
const sub = (a: number[], b: number[]): V3 => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
const add = (a: number[], b: number[]): V3 => [a[0]! + b[0]!, a[1]! + b[1]!, a[2]! + b[2]!];
const scale = (a: number[], s: number): V3 => [a[0]! * s, a[1]! * s, a[2]! * s];
const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const cross = (a: number[], b: number[]): V3 =>
  [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
const round = (x: number, digits = 1000) => Math.round(x * digits) / digits;

interface Plane { imageOrientationPatient?: number[]; imagePositionPatient?: number[]; rows?: number; columns?: number; rowPixelSpacing?: number; columnPixelSpacing?: number; frameOfReferenceUID?: string }
const planeOf = (id: string) => (metaData.get('imagePlaneModule', id) as Plane | undefined) ?? {};
const modalityOf = (id: string) =>
  ((metaData.get('generalSeriesModule', id) as { modality?: string } | undefined)?.modality ?? '').toUpperCase();

/** Why a series cannot be shown as MPR (an i18n key), or null when it is a usable volume:
 *  CT or MR, enough slices, one orientation, one matrix and pixel size, even slice steps. */
export function volumeProblem(imageIds: string[]): MessageKey | null {
  const first = imageIds[0];
  if (!first || !['CT', 'MR'].includes(modalityOf(first))) return 'mpr_not_ct_mr';
  if (imageIds.length < MIN_SLICES) return 'mpr_too_few_slices';
  const planes = imageIds.map(planeOf);
  const p0 = planes[0]!;
  const o0 = p0.imageOrientationPatient;
  if (!o0 || o0.length < 6) return 'mpr_inconsistent';
  const normal = cross(o0.slice(0, 3), o0.slice(3, 6));
  const depths: number[] = [];
  for (const p of planes) {
    const o = p.imageOrientationPatient;
    const at = p.imagePositionPatient;
    if (!o || !at || o.some((v, k) => Math.abs(v - (o0[k] ?? 0)) > 1e-3)) return 'mpr_inconsistent';
    if (p.rows !== p0.rows || p.columns !== p0.columns || p.frameOfReferenceUID !== p0.frameOfReferenceUID
      || Math.abs((p.rowPixelSpacing ?? 0) - (p0.rowPixelSpacing ?? 0)) > 1e-3) return 'mpr_inconsistent';
    depths.push(dot(at, normal));
  }
  depths.sort((a, b) => a - b);
  const steps = depths.slice(1).map((d, k) => d - depths[k]!);
  const step = steps[0] ?? 0;
  if (step <= 1e-3 || steps.some((s) => Math.abs(s - step) > 0.01 * step + 1e-3)) return 'mpr_inconsistent';
  return null;
}

/** The point at the centre of an image (patient mm): where MPR starts from a stack slice. */
export function imageCentre(imageId: string): V3 | null {
  const p = planeOf(imageId);
  const o = p.imageOrientationPatient;
  const at = p.imagePositionPatient;
  if (!o || !at || !p.rows || !p.columns) return null;
  const across = scale(o.slice(0, 3), ((p.columns - 1) / 2) * (p.columnPixelSpacing ?? 1));
  const down = scale(o.slice(3, 6), ((p.rows - 1) / 2) * (p.rowPixelSpacing ?? 1));
  return add(add(at, across), down);
}

export class MprViewer {
  /** The container over the stack grid; `hidden` while no MPR is shown. */
  readonly grid = document.createElement('div');
  elements: HTMLDivElement[] = [];
  /** The series shown (null: closed). */
  series: string | null = null;
  /** Each plane's camera right after fitting: the reference zoom and pan are relative to. */
  private fitted: Types.ICamera[] = [];
  private readonly group: ReturnType<typeof ToolGroupManager.createToolGroup>;
  /** Called for each new MPR element (the sync listens to its camera and VOI). */
  onElement: (el: HTMLDivElement, k: number) => void = () => undefined;

  constructor(private readonly engine: RenderingEngine, private readonly web: DicomWeb) {
    this.grid.id = 'mpr-grid';
    this.grid.hidden = true;
    this.group = ToolGroupManager.createToolGroup(GROUP_ID);
    this.configureTools();
  }

  private configureTools(): void {
    const g = this.group;
    if (!g) return;
    const MB = ToolEnums.MouseBindings;
    for (const name of [OrthogonalCrosshairs.toolName, PanTool.toolName, ZoomTool.toolName, StackScrollTool.toolName]) {
      g.addTool(name, name === OrthogonalCrosshairs.toolName ? {
        getReferenceLineColor: (id: string) => REFERENCE_COLOURS[id] ?? '#ffd43b',
        getReferenceLineControllable: () => true,
        getReferenceLineDraggableRotatable: () => true, // moves; rotation: see OrthogonalCrosshairs
        getReferenceLineSlabThicknessControlsOn: () => true,
      } : undefined);
    }
    g.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MB.Auxiliary }] });
    g.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MB.Secondary }, { numTouchPoints: 2 }] });
    g.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MB.Wheel }, { numTouchPoints: 3 }] });
  }

  get open(): boolean {
    return this.series !== null;
  }

  viewport(k: number): VolumeViewport | null {
    return (this.engine.getViewport(mprViewportId(k)) as VolumeViewport | undefined) ?? null;
  }

  /** Build (or keep) the MPR of `series`; resolves when the three planes show its volume. */
  async show(study: string, series: string): Promise<void> {
    if (this.series !== series) {
      this.close();
      this.series = series;
      this.loading = this.build(study, series).catch((err: unknown) => { this.close(); throw err; });
    }
    await this.loading;
  }

  private loading: Promise<void> = Promise.resolve();

  private async build(study: string, series: string): Promise<void> {
    const imageIds = await this.web.loadSeries(study, series);
    if (this.series !== series) return; // closed or replaced meanwhile
    this.grid.hidden = false;
    this.elements = ORIENTATIONS.map((_, k) => this.makeElement(k));
    this.grid.append(legend());
    const volumeId = `cornerstoneStreamingImageVolume:${series}`;
    const volume = cache.getVolume(volumeId) ?? (await volumeLoader.createAndCacheVolume(volumeId, { imageIds }));
    if (this.series !== series) return;
    void (volume as { load?: () => void }).load?.();
    const ids = ORIENTATIONS.map((_, k) => mprViewportId(k));
    await setVolumesForViewports(this.engine, [{ volumeId }], ids);
    // The crosshairs need all three planes with their volume when they start (else: "at
    // least two viewports must be given", and clicks do nothing).
    for (const id of ids) this.group?.addViewport(id, this.engine.id);
    this.group?.setToolActive(OrthogonalCrosshairs.toolName, {
      bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }, { numTouchPoints: 1 }],
    });
    this.refit();
  }

  private makeElement(k: number): HTMLDivElement {
    const el = document.createElement('div');
    el.className = 'mpr-viewport';
    el.dataset.mpr = ORIENTATIONS[k];
    el.oncontextmenu = (e) => e.preventDefault();
    const label = document.createElement('div');
    label.className = 'mpr-label';
    label.textContent = t(`mpr_${ORIENTATIONS[k] ?? 'axial'}`);
    el.append(label);
    this.grid.append(el);
    this.engine.enableElement({
      viewportId: mprViewportId(k), element: el, type: Enums.ViewportType.ORTHOGRAPHIC,
      defaultOptions: { orientation: AXES[k], background: [0, 0, 0] },
    });
    this.onElement(el, k);
    return el;
  }

  /** Remember each plane's fitted camera (after the volume is set or the canvas resized).
   *  Resetting one camera makes the crosshairs reset all three: keep all, reset, restore. */
  refit(): void {
    const vps = ORIENTATIONS.map((_, k) => this.viewport(k));
    const keep = vps.map((vp) => vp?.getCamera());
    for (const vp of vps) vp?.resetCamera();
    this.fitted = vps.map((vp) => vp?.getCamera() ?? {});
    vps.forEach((vp, k) => { const c = keep[k]; if (vp && c) vp.setCamera(c); });
  }

  /** The canvas changed size: fit anew, and show the same semantic view as before. */
  resized(): void {
    const before = this.read('');
    this.refit();
    if (before) this.apply(before);
  }

  /** Labels and legend in the current language. */
  relabel(): void {
    this.elements.forEach((el, k) => {
      const label = el.querySelector('.mpr-label');
      if (label) label.textContent = t(`mpr_${ORIENTATIONS[k] ?? 'axial'}`);
    });
    const legendEl = this.grid.querySelector('.mpr-legend');
    if (legendEl) legendEl.textContent = t('mpr_legend');
  }

  close(): void {
    if (this.series === null) return;
    this.group?.setToolDisabled(OrthogonalCrosshairs.toolName);
    ORIENTATIONS.forEach((_, k) => {
      if (!this.viewport(k)) return;
      this.group?.removeViewports(this.engine.id, mprViewportId(k));
      this.engine.disableElement(mprViewportId(k));
    });
    this.grid.replaceChildren();
    this.grid.hidden = true;
    this.elements = [];
    this.series = null;
  }

  /** The shown MPR as wire state (null when closed or not ready). */
  read(study: string): Mpr | null {
    const vps = ORIENTATIONS.map((_, k) => this.viewport(k));
    if (!this.series || vps.some((v) => !v || !v.getDefaultActor())) return null;
    const cameras = vps.map((v) => v!.getCamera());
    const point = cameras.reduce<V3>((sum, c) => add(sum, scale(c.viewPlaneNormal!, dot(c.viewPlaneNormal!, c.focalPoint!))), [0, 0, 0]);
    const planes = cameras.map((c, k) => this.readPlane(k, c, vps[k]!)) as [MprPlane, MprPlane, MprPlane];
    return {
      study, series: this.series, point: point.map((x) => round(x)) as V3, planes, voi: this.readVoi(),
    };
  }

  private readPlane(k: number, c: Types.ICamera, vp: VolumeViewport): MprPlane {
    const fit = this.fitted[k];
    const slab = vp.getSlabThickness();
    if (!fit?.parallelScale || !fit.focalPoint || !c.parallelScale) return { zoom: 1, pan: [0, 0], slab: 0 };
    const { right, down, height } = frame(fit);
    const off = sub(c.focalPoint!, fit.focalPoint);
    return {
      zoom: round(fit.parallelScale / c.parallelScale, 1e4),
      pan: [round(dot(off, right) / height, 1e4), round(dot(off, down) / height, 1e4)],
      slab: slab <= THIN_SLAB * 2 ? 0 : round(slab, 100),
    };
  }

  readVoi(): Voi | null {
    const range = this.viewport(0)?.getProperties()?.voiRange;
    if (!range) return null;
    const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
    return { center: round(windowCenter), width: round(windowWidth), function: 'LINEAR' };
  }

  /** Put every plane where `mpr` says: through its point, framed by its camera, one window. */
  apply(mpr: Mpr): void {
    ORIENTATIONS.forEach((_, k) => {
      const vp = this.viewport(k);
      const fit = this.fitted[k];
      const plane = mpr.planes[k];
      if (!vp || !fit?.focalPoint || !fit.position || !fit.parallelScale || !plane) return;
      const { right, down, height, normal } = frame(fit);
      const depth = dot(sub(mpr.point, fit.focalPoint), normal);
      const focal = add(add(fit.focalPoint, scale(normal, depth)),
        add(scale(right, plane.pan[0] * height), scale(down, plane.pan[1] * height)));
      const distance = Math.hypot(...sub(fit.position, fit.focalPoint));
      vp.setCamera({
        focalPoint: focal, position: add(focal, scale(normal, distance)),
        parallelScale: fit.parallelScale / plane.zoom,
      });
      applySlab(vp, plane.slab);
      this.applyVoi(vp, mpr.voi);
    });
    for (const k of ORIENTATIONS.keys()) this.viewport(k)?.render();
  }

  private applyVoi(vp: VolumeViewport, voi: Voi | null): void {
    if (voi === null) return; // the volume's own default window stays
    const range = utilities.windowLevel.toLowHighRange(voi.width, voi.center);
    const shown = vp.getProperties()?.voiRange;
    if (shown && Math.abs(shown.lower - range.lower) < 1e-3 && Math.abs(shown.upper - range.upper) < 1e-3) return;
    vp.setProperties({ voiRange: range });
  }

  /** One window on all three planes (a preset while in MPR). */
  setVoi(voi: Voi): void {
    for (const k of ORIENTATIONS.keys()) {
      const vp = this.viewport(k);
      if (vp) { this.applyVoi(vp, voi); vp.render(); }
    }
  }

  /** Cameras as numbers (tests compare pages with them). */
  cameras(): { focalPoint: number[]; parallelScale: number; normal: number[] }[] {
    return ORIENTATIONS.map((_, k) => {
      const c = this.viewport(k)?.getCamera();
      return { focalPoint: [...(c?.focalPoint ?? [])], parallelScale: c?.parallelScale ?? 0,
        normal: [...(c?.viewPlaneNormal ?? [])] };
    });
  }
}

/** A slab thicker than one slice shows the maximum intensity, as the crosshairs' handles do. */
function applySlab(vp: VolumeViewport, slab: number): void {
  const thickness = Math.max(THIN_SLAB, slab);
  if (Math.abs(vp.getSlabThickness() - thickness) <= 1e-3) return;
  vp.setBlendMode(slab > 0 ? Enums.BlendModes.MAXIMUM_INTENSITY_BLEND : Enums.BlendModes.COMPOSITE);
  vp.setSlabThickness(thickness);
}

/** Colours of the planes' lines (crosshairs), one per orientation. */
const REFERENCE_COLOURS: Record<string, string> = {
  [mprViewportId(0)]: '#ff6b6b', [mprViewportId(1)]: '#51cf66', [mprViewportId(2)]: '#4dabf7',
};

/** A fitted camera's in-plane axes and the fitted view height (mm). */
function frame(c: Types.ICamera): { right: V3; down: V3; height: number; normal: V3 } {
  const normal = (c.viewPlaneNormal ?? [0, 0, 1]) as V3;
  const up = (c.viewUp ?? [0, -1, 0]) as V3;
  return { right: cross(up, normal), down: scale(up, -1), height: 2 * (c.parallelScale ?? 1), normal };
}

function legend(): HTMLElement {
  const el = document.createElement('div');
  el.className = 'mpr-legend';
  el.textContent = t('mpr_legend');
  return el;
}
