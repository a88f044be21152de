import { defineConfig } from 'vite';

// The server serves dist/ at / (and /join, /room/* -> index.html), so assets are absolute.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 5000,
    target: 'es2022',
    // Two pages: the live room (index.html) and recording playback (playback.html).
    rollupOptions: {
      input: { main: 'index.html', playback: 'playback.html' },
      output: {
        // On a lossy county link one TCP connection is loss-limited (~1 Mbit/s at 150 ms RTT,
        // 1 % loss): the libraries in several chunks arrive over parallel connections and fill
        // the link (bench/county). Chunks stay content-hashed, so a new release that leaves a
        // library alone leaves its chunk in the browser's cache.
        codeSplitting: {
          groups: [
            { name: 'vtk', test: /node_modules[\\/]@kitware[\\/]vtk\.js/, priority: 4 },
            { name: 'core', test: /node_modules[\\/]@cornerstonejs[\\/]core/, priority: 3 },
            { name: 'tools', test: /node_modules[\\/]@cornerstonejs[\\/]tools/, priority: 2 },
            { name: 'vendor', test: /node_modules/, priority: 1 },
          ],
        },
      },
    },
  },
  worker: { format: 'es' },
  // Workers of the DICOM image loader never load when it is pre-bundled in dev mode.
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: ['dicom-parser'],
  },
});
