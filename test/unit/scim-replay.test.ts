/**
 * The Entra ID and Okta provisioning sequences (fixtures/scim/) end to end against the SCIM handler
 * on the memory directory store; test/conformance/directory-*.test.ts replays them on Redis and
 * PostgreSQL too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createMemoryDirectoryStore } from '../../src/scim.js';
import { replay, replayTenant, SCIM_FIXTURES } from '../helpers/scim-replay.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');

describe('SCIM provisioning sequences (memory directory)', () => {
  for (const name of SCIM_FIXTURES) {
    it(`replays ${name}`, async () => {
      await replay(name, createMemoryDirectoryStore(), replayTenant(certificate));
    });
  }

  it('maps roles with the tenant role mapping: Okta Group Push of "Staff", renamed "Admins"', async () => {
    const events = await replay('okta/groups', createMemoryDirectoryStore(), replayTenant(certificate));
    const changes = events.filter((event) => event.type === 'membership.changed');
    const first = changes[0];
    assert.ok(first?.type === 'membership.changed');
    assert.deepEqual(
      first.users.map((user) => user.roles),
      [['member'], ['member']],
    );
    const renamed = changes.find((event) => event.group.displayName === 'Admins');
    assert.ok(renamed?.type === 'membership.changed');
    assert.ok(renamed.users.every((user) => user.roles.includes('admin')));
  });
});
