// Builds the front ends into dist/ (embedded by web.go): index.html (GraphiQL), altair.html
// (Altair) and admin.html (the admin), assets under dist/assets/ with content-hashed names, no source maps. Altair comes
// prebuilt from altair-static; altairStatic() copies it under assets/altair-<hash>/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const here = dirname(fileURLToPath(import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * altairStatic copies altair-static's dist (less its index.html, which renderAltair fills with an
 * inline script) to assets/altair-<hash of the files>/ and points altair.html at it: a <base>
 * for Altair's relative URLs, its stylesheet and module scripts, right before our start script.
 */
function altairStatic(): Plugin {
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('altair-static/package.json')), 'build', 'dist');
  const skip = (f: string) => f === 'index.html' || f.endsWith('.map') || f.endsWith('README.md');
  const files = filesUnder(dist).filter((f) => !skip(f));
  // Its scripts and styles name source maps that are not shipped (a trailing sourceMappingURL
  // comment, and /*# sourceMappingURL=… */ in the component styles inside the scripts): dropped.
  const read = (f: string): Buffer => {
    const b = readFileSync(join(dist, f));
    if (!/\.(js|css)$/.test(f)) return b;
    return Buffer.from(b.toString('utf8').replace(/^\/\/# sourceMappingURL=[^\n]*$/gm, '').replace(/\/\*# sourceMappingURL=[^*]*\*\//g, ''));
  };
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update('\0').update(read(f)).update('\0');
  const dir = `assets/altair-${hash.digest('hex').slice(0, 12)}`;
  const preloads = [...readFileSync(join(dist, 'index.html'), 'utf8').matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]);
  return {
    name: 'mediagraph-altair-static',
    apply: 'build',
    generateBundle() {
      for (const f of files) this.emitFile({ type: 'asset', fileName: `${dir}/${f}`, source: read(f) });
    },
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('altair.html')) return;
        const tags = [
          `<base href="/${dir}/">`,
          '<link rel="stylesheet" href="styles.css">',
          ...preloads.map((href) => `<link rel="modulepreload" href="${href}">`),
          '<script type="module" src="polyfills.js"></script>',
          '<script type="module" src="main.js"></script>',
        ];
        // Right before our start script (Vite puts it in <head>): module scripts run in document order.
        const ours = html.search(/<script type="module"[^>]* src="\/assets\//);
        if (ours < 0) throw new Error('altair.html: the start script is missing');
        return `${html.slice(0, ours)}${tags.join('\n    ')}\n    ${html.slice(ours)}`;
      },
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  plugins: [altairStatic()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0, // no data: URLs: every asset is a file from 'self'
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: { graphiql: join(here, 'index.html'), altair: join(here, 'altair.html'), admin: join(here, 'admin.html') },
      // React libraries mark modules "use client": meaningless in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
