/**
 * `npm run demo`: the example app with a built-in test IdP, on http://127.0.0.1:3000.
 * `npm run demo -- --check`: the same on a free port, signed in through headlessly; exit 0 or 1.
 * Options: `--port N` (or PORT=N), `--framework express|fastify|hono|nestjs`.
 */
import { parseArgs } from 'node:util';
import { runDemoCheck } from './shared/check.js';
import {
  DEMO_TENANT,
  FRAMEWORKS,
  startDemo,
  type Framework,
  type RunningDemo,
} from './shared/demo-server.js';

const CHECK_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function options(): { check: boolean; port: number; framework: Framework } {
  let values;
  try {
    ({ values } = parseArgs({
      options: { check: { type: 'boolean' }, port: { type: 'string' }, framework: { type: 'string' } },
    }));
  } catch (error) {
    fail(
      `${(error as Error).message}\nUsage: npm run demo -- [--check] [--port N] [--framework ${FRAMEWORKS.join('|')}]`,
    );
  }
  const framework = values.framework ?? 'express';
  if (!FRAMEWORKS.some((name) => name === framework))
    fail(`--framework must be one of ${FRAMEWORKS.join(', ')}`);
  const portText = values.port ?? process.env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    fail(`The port must be a number from 0 to 65535, not "${portText}"`);
  return { check: values.check === true, port, framework: framework as Framework };
}

async function check(framework: Framework): Promise<void> {
  // Whatever hangs, the check ends: a demo check that never returns is a failure too.
  setTimeout(
    () => fail(`demo check failed: no result within ${CHECK_TIMEOUT_MS / 1000} s`),
    CHECK_TIMEOUT_MS,
  ).unref();
  const started = performance.now();
  let demo: RunningDemo | undefined;
  try {
    demo = await startDemo({ framework });
    const { name, email, roles } = await runDemoCheck(demo.baseUrl);
    const ms = Math.round(performance.now() - started);
    console.log(
      `demo check passed (${framework}): ${name} <${email}> signed in through the test IdP with roles ${roles} (${ms} ms)`,
    );
  } catch (error) {
    process.exitCode = 1;
    console.error(
      `demo check failed (${framework}): ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await demo?.close();
  }
  process.exit();
}

async function serve(framework: Framework, port: number): Promise<void> {
  let demo: RunningDemo;
  try {
    demo = await startDemo({ framework, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      fail(
        `Port ${port} on 127.0.0.1 is already in use. Stop what runs there, or choose another port: npm run demo -- --port 3001 (or PORT=3001 npm run demo)`,
      );
    }
    fail(
      `The demo could not start on port ${port}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  console.log(`samlkit demo (${framework}) at ${demo.baseUrl}`);
  console.log(
    `Open ${demo.baseUrl}, type alice@example.com, click Sign in (and Sign in again at the test IdP). Ctrl+C stops it.`,
  );
  console.log(`SCIM base URL for the IdP: ${demo.baseUrl}/scim/v2/${DEMO_TENANT} (token ${demo.scimToken})`);
  console.log(
    `Replay an Entra ID provisioning cycle: npm run example:scim -- --url ${demo.baseUrl}/scim/v2/${DEMO_TENANT} --token ${demo.scimToken}`,
  );
  console.log(`Directory page (sign in as an admin): ${demo.baseUrl}/admin/${DEMO_TENANT}/directory`);
  // Ctrl+C, or `kill` of this process or of npm (which relays the signal: package.json runs
  // this script with `exec`, so no shell stands between npm and tsx, and tsx relays it here).
  const stop = (signal: NodeJS.Signals): void => {
    console.log(`${signal}: stopping the demo`);
    // A connection that will not close must not keep the process alive.
    setTimeout(() => process.exit(0), STOP_TIMEOUT_MS).unref();
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(
          `The demo did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const { check: checkOnly, port, framework } = options();
await (checkOnly ? check(framework) : serve(framework, port));
