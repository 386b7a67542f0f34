import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// Writes a .gz twin of every text asset; `segnala serve` sends it to clients
// that accept gzip, so nothing is compressed per request.
function gzipAssets(): Plugin {
  return {
    name: 'segnala-gzip-assets',
    apply: 'build',
    closeBundle() {
      const dir = join('dist', 'assets');
      for (const name of readdirSync(dir)) {
        if (!/\.(js|css|svg|json)$/.test(name)) continue;
        const body = readFileSync(join(dir, name));
        if (body.length > 1024) writeFileSync(join(dir, `${name}.gz`), gzipSync(body, { level: 9 }));
      }
    },
  };
}

// Two entry pages: the citizens' site (every public path falls back to
// index.html on the server) and the staff console (/staff…).
export default defineConfig({
  plugins: [gzipAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    rollupOptions: {
      input: { index: 'index.html', staff: 'staff.html' },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
