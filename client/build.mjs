// Bundles the ES modules (tsc emits only the .d.ts files, see tsconfig.json).
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';

const common = { bundle: true, format: 'esm', target: 'es2020', platform: 'browser', sourcemap: true, legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
await build({ ...common, entryPoints: ['src/callback-page.ts'], outfile: 'dist/callback-page.js', minify: true });
copyFileSync('callback.html', 'dist/callback.html');
