/**
 * `npm run example:scim -- --url <SCIM base URL> --token <token>`: replays the Entra ID provisioning
 * cycle of fixtures/scim/entra/ (users, then groups) over HTTP against a running app, as the Entra
 * ID provisioning service would send it, and checks each answer. Without `--url`, it starts the demo
 * app itself (Express) and replays against that. Exit code 0 when every step answered as expected.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEMO_TENANT, startDemo, type RunningDemo } from './shared/demo-server.js';

interface Step {
  readonly name: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly query?: Record<string, string>;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;
  };
  readonly expect: { readonly status: number };
  readonly capture?: Record<string, string>;
}

function substitute(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars.get(name) ?? '');
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, vars)]));
  return value;
}

/** Replays one fixture; returns the number of steps that answered otherwise than expected. */
async function replay(file: string, base: string, token: string): Promise<number> {
  const { steps } = JSON.parse(
    readFileSync(new URL(`../fixtures/scim/${file}.json`, import.meta.url), 'utf8'),
  ) as {
    steps: Step[];
  };
  const vars = new Map<string, string>();
  let failures = 0;
  for (const step of steps) {
    const request = substitute(step.request, vars) as Step['request'];
    const url = new URL(`${base}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/scim+json',
        ...request.headers,
      },
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
    });
    const text = await response.text();
    const ok = response.status === step.expect.status;
    if (!ok) failures++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${response.status} ${request.method} ${request.path}  ${step.name}`);
    if (text !== '' && step.capture !== undefined) {
      const body = JSON.parse(text) as Record<string, unknown>;
      for (const [variable, field] of Object.entries(step.capture)) vars.set(variable, String(body[field]));
    }
  }
  return failures;
}

const { values } = parseArgs({ options: { url: { type: 'string' }, token: { type: 'string' } } });
let demo: RunningDemo | undefined;
try {
  let base = values.url;
  let token = values.token;
  if (base === undefined) {
    demo = await startDemo();
    base = `${demo.baseUrl}/scim/v2/${DEMO_TENANT}`;
    token = demo.scimToken;
    console.log(`Started the demo app on ${demo.baseUrl}`);
  }
  if (token === undefined) throw new Error('--token is required with --url (npm run demo prints it)');
  const failures = (await replay('entra/users', base, token)) + (await replay('entra/groups', base, token));
  console.log(
    failures === 0
      ? 'Entra ID provisioning cycle: every step answered as expected'
      : `${failures} step(s) failed`,
  );
  process.exitCode = failures === 0 ? 0 : 1;
} finally {
  await demo?.close();
}
