/**
 * Property tests: the SCIM handler under hostile input. For any method, path, query, header and
 * body (any JSON value, or any text), it answers with a SCIM response (a status of the closed set
 * and a JSON body with the error schema for errors) and never throws; no input writes to
 * Object.prototype. FC_SEED replays a failure, FC_RUNS sets the number of runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createScimHandler,
  createScimToken,
  createMemoryDirectoryStore,
  type ScimHandler,
} from '../../src/scim.js';

const seedText = process.env.FC_SEED;
const runsText = process.env.FC_RUNS;
const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: runsText === undefined ? 300 : Number(runsText),
  ...(seedText !== undefined && seedText !== '' && { seed: Number(seedText) }),
};
const STATUSES = new Set([200, 201, 204, 400, 401, 404, 405, 409, 412, 413]);
const TENANT = { id: 't', sp: {}, idp: { entityId: 'https://idp.example/' } };

async function setup(): Promise<{ scim: ScimHandler; token: string; userId: string; groupId: string }> {
  const directory = createMemoryDirectoryStore();
  const { token } = await createScimToken(directory, 't');
  // The tenant store returns a minimal object: the handler only needs it to exist (roles need no rules here).
  const scim = createScimHandler({
    directory,
    tenants: { get: (id) => Promise.resolve(id === 't' ? (TENANT as never) : undefined) },
  });
  const auth = { authorization: `Bearer ${token}` };
  const user = await scim({
    tenantId: 't',
    method: 'POST',
    path: '/Users',
    headers: auth,
    body: '{"userName":"a@b.example"}',
  });
  const userId = (JSON.parse(user.body) as { id: string }).id;
  const group = await scim({
    tenantId: 't',
    method: 'POST',
    path: '/Groups',
    headers: auth,
    body: JSON.stringify({ displayName: 'G', members: [{ value: userId }] }),
  });
  const groupId = (JSON.parse(group.body) as { id: string }).id;
  return { scim, token, userId, groupId };
}

function check(response: { status: number; body: string }): void {
  assert.ok(STATUSES.has(response.status), `status ${response.status}`);
  if (response.status === 204) return;
  const body = JSON.parse(response.body) as { schemas?: unknown };
  if (response.status >= 400) assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was written');
}

const pathText = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'userName',
    'members',
    'emails[type eq "work"].value',
    'name.givenName',
    '__proto__.polluted',
    'constructor.prototype.polluted',
    'members[value eq "x"]',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  ),
  fc.string().map((s) => `members[${s}]`),
);
const opValue = fc.oneof(
  fc.jsonValue(),
  fc.constant({ '__proto__.polluted': 1, constructor: { prototype: { polluted: 1 } } }),
);
const patchBody = fc.record(
  {
    schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), fc.jsonValue()),
    Operations: fc.oneof(
      fc.array(
        fc.record(
          {
            op: fc.oneof(fc.constantFrom('add', 'Replace', 'REMOVE', 'x'), fc.jsonValue()),
            path: fc.oneof(pathText, fc.jsonValue()),
            value: opValue,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 5 },
      ),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);

describe('SCIM handler under hostile input', () => {
  it('answers every request with a SCIM response, never an exception', async () => {
    const { scim, token, userId, groupId } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'get'),
        fc.oneof(
          fc.constantFrom(
            '/Users',
            '/Groups',
            `/Users/${userId}`,
            `/Groups/${groupId}`,
            '/Schemas',
            '/ResourceTypes/User',
            '/ServiceProviderConfig',
            '/Users/%E0%A4%A',
            '/Users/a/b/c',
          ),
          fc.string(),
        ),
        fc.oneof(
          fc.constant(undefined),
          fc.record(
            {
              filter: fc.oneof(fc.string(), fc.jsonValue()),
              startIndex: fc.oneof(fc.string(), fc.jsonValue()),
              count: fc.string(),
              excludedAttributes: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.oneof(
          patchBody.map((body) => JSON.stringify(body)),
          fc.jsonValue().map((value) => JSON.stringify(value)),
          fc.string(),
          fc.jsonValue(),
        ),
        fc.oneof(
          fc.constant(`Bearer ${token}`),
          fc.constant(`bearer  ${token}`),
          fc.string(),
          fc.jsonValue(),
        ),
        async (method, path, query, body, authorization) => {
          const response = await scim({
            tenantId: 't',
            method,
            path,
            query: query as Record<string, unknown>,
            headers: { authorization },
            body,
          });
          check(response);
        },
      ),
      FC_PARAMS,
    );
  });

  it('answers any PATCH of a user or a group with 200 or a SCIM error', async () => {
    const { scim, token, userId, groupId } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.boolean(), patchBody, async (user, body) => {
        const response = await scim({
          tenantId: 't',
          method: 'PATCH',
          path: user ? `/Users/${userId}` : `/Groups/${groupId}`,
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        check(response);
        assert.ok(
          response.status === 200 || response.status === 400 || response.status === 409,
          `status ${response.status}: ${response.body}`,
        );
      }),
      FC_PARAMS,
    );
  });

  it('refuses a filter that would make the parser backtrack or recurse without end', async () => {
    const { scim, token } = await setup();
    for (const filter of [
      `userName eq "${'\n'.repeat(40)}`,
      `${'('.repeat(5000)}userName pr${')'.repeat(5000)}`,
      'x'.repeat(5000),
    ]) {
      const response = await scim({
        tenantId: 't',
        method: 'GET',
        path: '/Users',
        query: { filter },
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 400);
      assert.equal((JSON.parse(response.body) as { scimType: string }).scimType, 'invalidFilter');
    }
  });
});
