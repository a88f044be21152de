import { defineConfig } from 'vite';

// The server serves dist/ at / (and /join, /room/* -> index.html), so assets are absolute.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 5000,
    target: 'es2022',
    // Two pages: the live room (index.html) and recording playback (playback.html).
    rollupOptions: { input: { main: 'index.html', playback: 'playback.html' } },
  },
  worker: { format: 'es' },
  // Workers of the DICOM image loader never load when it is pre-bundled in dev mode.
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
});
