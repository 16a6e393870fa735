/**
 * Finds the shared route for a request, for glue whose framework does not register the routes one
 * by one (the Next.js app's catch-all route handler, the NestJS app's catch-all controller). Route
 * paths have literal segments and `:name` segments that match exactly one non-empty segment.
 */
import type { ExampleRoute } from './http.js';

export interface RouteMatch {
  readonly route: ExampleRoute;
  /** The `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export function matchRoute(
  routes: readonly ExampleRoute[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    let matched = true;
    for (const [index, part] of pattern.entries()) {
      const segment = segments[index] ?? '';
      if (part.startsWith(':') && segment !== '') {
        const value = decoded(segment);
        if (value === undefined) matched = false;
        else params[part.slice(1)] = value;
      } else if (part !== segment) {
        matched = false;
      }
      if (!matched) break;
    }
    if (matched) return { route, params };
  }
  return undefined;
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed percent-encoding: no route
  }
}
