// Series thumbnails drawn from the image's own grey scale: modality LUT (unless the loader
// pre-scaled the pixels), the image's window (its range when it has none, e.g. an enhanced
// MR whose window lives in a functional group) and MONOCHROME1 shown inverted. Cornerstone's
// loadImageToCanvas drew such an MR black and a MONOCHROME1 radiograph with its grey scale
// inverted (issue 16). Colour images still go through Cornerstone.
import { imageLoader, utilities, type Types } from '@cornerstonejs/core';

const first = (v: number | number[] | undefined): number | undefined => (Array.isArray(v) ? v[0] : v);

/** The displayed range [low, high] of modality values. */
export function windowRange(image: Types.IImage, values: (k: number) => number, count: number): [number, number] {
  const center = first(image.windowCenter);
  const width = first(image.windowWidth);
  if (center !== undefined && width !== undefined && Number.isFinite(center) && width > 0) {
    return [center - width / 2, center + width / 2];
  }
  let low = Infinity;
  let high = -Infinity;
  const step = Math.max(1, Math.floor(count / 65536)); // a sample is enough for a thumbnail
  for (let k = 0; k < count; k += step) {
    const v = values(k);
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return high > low ? [low, high] : [low, low + 1];
}

function greys(image: Types.IImage): { grey: (k: number) => number } {
  const pixels = image.getPixelData();
  const scaled = Boolean(image.preScale?.scaled);
  const slope = scaled ? 1 : image.slope || 1;
  const intercept = scaled ? 0 : image.intercept || 0;
  const value = (k: number) => (pixels[k] as number) * slope + intercept;
  const [low, high] = windowRange(image, value, pixels.length);
  const invert = image.photometricInterpretation === 'MONOCHROME1' || image.invert;
  return {
    grey: (k) => {
      const g = Math.max(0, Math.min(255, ((value(k) - low) / (high - low)) * 255));
      return invert ? 255 - g : g;
    },
  };
}

/** Draw `imageId` fitted (aspect kept, nearest neighbour) into `canvas`. */
export async function drawThumbnail(canvas: HTMLCanvasElement, imageId: string): Promise<void> {
  const image = await imageLoader.loadAndCacheImage(imageId);
  if (image.color) {
    await utilities.loadImageToCanvas({ canvas, imageId, thumbnail: true });
    return;
  }
  const out = canvas.getContext('2d');
  if (!out) return;
  const { width: w, height: h } = canvas;
  const scale = Math.max(image.columns / w, image.rows / h);
  const ox = (w - image.columns / scale) / 2;
  const oy = (h - image.rows / scale) / 2;
  const { grey } = greys(image);
  const data = out.createImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = Math.floor((x - ox) * scale);
      const sy = Math.floor((y - oy) * scale);
      const inside = sx >= 0 && sy >= 0 && sx < image.columns && sy < image.rows;
      const g = inside ? grey(sy * image.columns + sx) : 0;
      const o = (y * w + x) * 4;
      data.data[o] = data.data[o + 1] = data.data[o + 2] = g;
      data.data[o + 3] = 255;
    }
  }
  out.putImageData(data, 0, 0);
}
