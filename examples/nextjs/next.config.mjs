// @ts-check
/**
 * The Next.js example's configuration. Its only route is app/[[...path]]/route.ts; the pages are
 * the shared, framework-free routes of examples/shared, run on the Node.js runtime.
 */
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** @type {import('next').NextConfig} */
const config = {
  // The route handler imports examples/shared (outside this folder): the repository is the root.
  turbopack: { root },
  outputFileTracingRoot: root,
  // The repository's own `npm run typecheck` and `npm run lint` check this code; the build does not again.
  typescript: { ignoreBuildErrors: true, tsconfigPath: 'tsconfig.next.json' },
  poweredByHeader: false,
  // The example has no images, no static pages of its own, nothing to cache between requests.
  images: { unoptimized: true },
};

export default config;
