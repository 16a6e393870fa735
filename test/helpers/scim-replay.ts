/**
 * Replays a recorded IdP provisioning sequence (fixtures/scim/<idp>/*.json) against a SCIM
 * handler: each step's request goes in, its status and a partial match of its body come out;
 * `capture` keeps response fields (the ids the server chose) for later steps as {{name}};
 * `login` checks the directory login gate for a NameID at that point.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SamlError, type SamlProfile, type TenantConfig } from '../../src/index.js';
import {
  createDirectoryLoginGate,
  createScimHandler,
  createScimToken,
  type DirectoryEvent,
  type DirectoryStore,
} from '../../src/scim.js';

interface Step {
  readonly name: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly query?: Record<string, string>;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;
  };
  readonly expect: { readonly status: number; readonly body?: unknown; readonly absent?: readonly string[] };
  readonly capture?: Record<string, string>;
  readonly login?: { readonly nameId: string; readonly refused: boolean };
}

interface Sequence {
  readonly description: string;
  readonly steps: readonly Step[];
  readonly events: readonly string[];
}

export const SCIM_FIXTURES = ['entra/users', 'entra/groups', 'okta/users', 'okta/groups'] as const;

export function readSequence(name: string): Sequence {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/scim/${name}.json`, import.meta.url), 'utf8'),
  ) as Sequence;
}

function substitute(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const found = vars.get(name);
      assert.ok(found !== undefined, `{{${name}}} was not captured`);
      return found;
    });
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, vars)]));
  return value;
}

/** Every field of `expected` is in `actual` with the same value; arrays match item by item. */
export function partialMatch(actual: unknown, expected: unknown, path = '$'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} is not an array`);
    assert.equal(
      actual.length,
      expected.length,
      `${path} has ${actual.length} items, expected ${expected.length}`,
    );
    expected.forEach((item, index) => {
      partialMatch(actual[index], item, `${path}[${index}]`);
    });
  } else if (typeof expected === 'object' && expected !== null) {
    assert.ok(typeof actual === 'object' && actual !== null, `${path} is not an object`);
    for (const [key, item] of Object.entries(expected))
      partialMatch((actual as Record<string, unknown>)[key], item, `${path}.${key}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}

export function replayTenant(certificate: string, id = 'contoso'): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
    roles: {
      rules: [
        { group: 'Admins', role: 'admin' },
        { group: 'Staff', role: 'member' },
      ],
    },
  };
}

/** Runs the sequence on a fresh tenant of the directory; returns the events it raised. */
export async function replay(
  name: string,
  directory: DirectoryStore,
  tenant: TenantConfig,
): Promise<DirectoryEvent[]> {
  const sequence = readSequence(name);
  const events: DirectoryEvent[] = [];
  const { token } = await createScimToken(directory, tenant.id);
  const scim = createScimHandler({
    directory,
    tenants: { get: (id) => Promise.resolve(id === tenant.id ? tenant : undefined) },
    baseUrl: (id) => `https://app.example.com/scim/v2/${id}`,
    onEvent: (event) => {
      events.push(event);
    },
  });
  const gate = createDirectoryLoginGate(directory);
  const vars = new Map<string, string>();
  for (const step of sequence.steps) {
    const request = substitute(step.request, vars) as Step['request'];
    const response = await scim({
      tenantId: tenant.id,
      method: request.method,
      path: request.path,
      query: request.query ?? {},
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/scim+json',
        ...request.headers,
      },
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
    });
    const label = `${name}: ${step.name}`;
    assert.equal(
      response.status,
      step.expect.status,
      `${label}: status ${response.status}, body ${response.body}`,
    );
    if (response.status !== 204)
      assert.equal(response.headers['content-type'], 'application/scim+json', label);
    const body: unknown = response.body === '' ? undefined : JSON.parse(response.body);
    if (step.expect.body !== undefined) partialMatch(body, substitute(step.expect.body, vars), label);
    for (const field of step.expect.absent ?? [])
      assert.equal((body as Record<string, unknown>)[field], undefined, `${label}: ${field} is present`);
    for (const [variable, field] of Object.entries(step.capture ?? {})) {
      const value = (body as Record<string, unknown>)[field];
      assert.equal(typeof value, 'string', `${label}: no ${field} to capture`);
      vars.set(variable, value as string);
    }
    if (step.login !== undefined) {
      const profile = loginProfile(tenant, step.login.nameId);
      const outcome = await gate.checkLogin(profile).then(
        () => 'allowed',
        (error: unknown) => (error instanceof SamlError ? error.code : String(error)),
      );
      assert.equal(outcome, step.login.refused ? 'USER_DEACTIVATED' : 'allowed', `${label}: login`);
    }
  }
  if (sequence.events.length > 0)
    assert.deepEqual(
      events.map((event) => event.type),
      sequence.events,
      `${name}: events`,
    );
  return events;
}

export function loginProfile(tenant: TenantConfig, nameId: string): SamlProfile {
  return {
    tenantId: tenant.id,
    issuer: tenant.idp.entityId,
    nameId,
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    groups: [],
    attributes: {},
    assertionId: '_a',
    notOnOrAfter: new Date(Date.now() + 60_000),
  };
}
