/**
 * Every IdP preset against the real responses of that IdP (fixtures/real/MANIFEST.json): each positive, unencrypted
 * Response verifies with its IdP's preset, and the profile's firstName / lastName / groups / email come from the
 * claim names the preset gives, whenever the fixture carries them. Where a preset's claim name occurs in no real
 * fixture, the test says so (NOT_IN_FIXTURES) instead of inventing one; those names come from the product's
 * documentation. Also: attributeNames override the preset, and `email: { from: 'attribute' }` without a name reads
 * the preset's email claim.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defineTenant, SamlError, verifyResponse } from '../../src/index.js';
import type { SamlProfile, TenantConfig } from '../../src/index.js';
import type { AttributeNames, IdpPresetName } from '../../src/types.js';
import { IDP_PRESETS } from '../../src/idp/products.js';
import { GROUPS_OVERAGE_CLAIM } from '../../src/idp/azure.js';
import { categoryOf, checksFor, FIXTURES, formOf, loadManifest, tenantFor } from '../fixtures/manifest.js';
import type { ManifestEntry } from '../fixtures/manifest.js';

const manifest = loadManifest();

/** The preset an integrator picks for the IdP named in the manifest. */
function presetOf(entry: ManifestEntry): IdpPresetName {
  const table: readonly [RegExp, IdpPresetName][] = [
    [/^Azure AD/, 'azure'],
    [/^Okta/, 'okta'],
    [/^Google/, 'google'],
    [/^OneLogin/, 'onelogin'],
    [/^Ping/, 'ping'],
    [/^ADFS/, 'adfs'],
    [/^Keycloak/, 'keycloak'],
  ];
  return table.find(([pattern]) => pattern.test(entry.idp))?.[1] ?? 'generic';
}

/** Positive, unencrypted Responses: the ones the verifier accepts as stored. */
const responses = manifest.filter((entry) => categoryOf(entry) === 'positive' && entry.kind === 'response');
const byFile = (file: string): ManifestEntry => {
  const entry = manifest.find((e) => e.file === file);
  assert.ok(entry, file);
  return entry;
};

async function verifyAs(
  entry: ManifestEntry,
  preset: IdpPresetName,
  changes: Partial<TenantConfig> = {},
): Promise<SamlProfile> {
  const config: TenantConfig = { ...tenantFor(entry), preset, ...changes };
  return verifyResponse(defineTenant(config), formOf(entry), checksFor(entry));
}

/** The address as the profile carries it: trimmed, domain lower-cased. */
function normalisedEmail(value: string): string {
  const at = value.trim().lastIndexOf('@');
  return `${value.trim().slice(0, at)}@${value
    .trim()
    .slice(at + 1)
    .toLowerCase()}`;
}

const NAME_FIELDS = ['firstName', 'lastName'] as const;
const FIELDS: readonly (keyof AttributeNames)[] = ['email', 'firstName', 'lastName', 'groups'];
const claimNames = (names: AttributeNames): string[] => FIELDS.flatMap((field) => names[field] ?? []);

/**
 * Preset claim names that no real fixture of that IdP carries (any fixture in the manifest, encrypted and bare
 * assertions included). They come from the products' documentation, not from a captured response:
 * - azure: emailaddress and groups are not in the Entra responses we have (those tenants sent only the default
 *   name claim), but the real Entra federation metadata offers both (checked below); givenname and surname occur
 *   in the Office 365 assertion.
 * - okta, google: Okta and Google send no attributes by default; the admin types the names (our setup
 *   instructions ask for email and groups). Real Okta fixtures use group, role and Role instead of groups.
 * - ping: PingFederate's fixtures send the NameID as the address, no email attribute.
 * - adfs: emailaddress and Group are AD FS's built-in claim types "E-Mail Address" and "Group"; the fixtures'
 *   issuance rules sent only given name and surname.
 * - keycloak: Keycloak sends only its role list by default; email, firstName and lastName are the User Property
 *   mappers' property names, which the admin adds.
 */
const NOT_IN_FIXTURES: Readonly<
  Record<Exclude<IdpPresetName, 'generic'>, readonly (keyof AttributeNames)[]>
> = {
  azure: ['email', 'groups'],
  okta: ['email', 'groups'],
  google: ['email', 'groups'],
  onelogin: [],
  ping: ['email'],
  adfs: ['email', 'groups'],
  keycloak: ['email', 'firstName', 'lastName'],
};

describe('presets: the manifest covers every preset', () => {
  it('each preset has at least one positive, unencrypted Response', () => {
    const covered = new Set(responses.map(presetOf));
    assert.deepEqual(
      [...covered].sort(),
      Object.keys(IDP_PRESETS).sort(),
      'a preset without a real response cannot be tested here',
    );
  });
});

describe('presets: claim names against the real responses of each IdP', () => {
  for (const entry of responses) {
    const preset = presetOf(entry);
    const claims = IDP_PRESETS[preset].claims;
    const carried = (name: string | undefined): name is string =>
      name !== undefined && Object.hasOwn(entry.attributes, name);

    it(`${entry.file} (${preset}): names and groups come from the preset's claims`, async () => {
      const profile = await verifyAs(entry, preset);
      if (preset === 'generic') {
        // No claim names: whatever the profile holds must be a value the IdP signed.
        const values = Object.values(entry.attributes).flat();
        for (const field of NAME_FIELDS) {
          const value = profile[field];
          if (value !== undefined)
            assert.ok(
              values.some((v) => v.trim() === value),
              `${field} ${value}`,
            );
        }
        for (const group of profile.groups) assert.ok(values.includes(group), group);
        return;
      }
      for (const field of NAME_FIELDS) {
        const name = claims[field];
        const value = carried(name) ? entry.attributes[name]?.[0]?.trim() : undefined;
        const expected = value === '' ? undefined : value;
        // Without the preset's claim there is no guessing: the field stays empty.
        assert.equal(profile[field], expected, `${field} from ${String(name)}`);
      }
      const groups = carried(claims.groups)
        ? (entry.attributes[claims.groups] ?? []).filter((group) => group.trim() !== '')
        : [];
      assert.deepEqual(profile.groups, groups, `groups from ${String(claims.groups)}`);
    });

    const emailClaim = claims.email;
    if (carried(emailClaim)) {
      it(`${entry.file} (${preset}): email { from: 'attribute' } reads ${emailClaim}`, async () => {
        const profile = await verifyAs(entry, preset, { email: { from: 'attribute' } });
        const value = entry.attributes[emailClaim]?.[0] ?? '';
        assert.equal(profile.email, normalisedEmail(value));
      });
    }
  }

  it('the assertions above are not vacuous: real fixtures exercise every field', () => {
    const exercised = new Set<string>();
    for (const entry of responses) {
      const claims = IDP_PRESETS[presetOf(entry)].claims;
      for (const field of FIELDS) {
        const name = claims[field];
        if (name !== undefined && Object.hasOwn(entry.attributes, name)) exercised.add(field);
      }
    }
    assert.deepEqual([...exercised].sort(), [...FIELDS].sort());
  });
});

describe("presets: each preset's claim names occur in that IdP's real fixtures", () => {
  for (const [preset, absent] of Object.entries(NOT_IN_FIXTURES) as [IdpPresetName, readonly string[]][]) {
    it(`${preset}: every claim name occurs, except ${absent.length === 0 ? 'none' : absent.join(', ')} (documented)`, () => {
      const fixtures = manifest.filter((entry) => presetOf(entry) === preset);
      assert.ok(fixtures.length > 0);
      const missing = FIELDS.filter((field) => {
        const name = IDP_PRESETS[preset].claims[field];
        return name !== undefined && !fixtures.some((entry) => Object.hasOwn(entry.attributes, name));
      });
      assert.deepEqual(missing, absent);
    });
  }

  it('the real Entra ID federation metadata offers every azure claim name, and the groups overage claim', () => {
    const xml = readFileSync(
      new URL('metadata/azure-entra-federationmetadata-b20a2822.xml', FIXTURES),
      'utf8',
    );
    const offered = new Set([...xml.matchAll(/ClaimType Uri="([^"]+)"/g)].map((match) => match[1]));
    for (const name of [...claimNames(IDP_PRESETS.azure.claims), GROUPS_OVERAGE_CLAIM]) {
      assert.ok(offered.has(name), name);
    }
  });

  it("each preset's default signing mode and NameID format occur in that IdP's real fixtures", () => {
    for (const preset of Object.keys(NOT_IN_FIXTURES) as IdpPresetName[]) {
      const fixtures = manifest.filter((entry) => presetOf(entry) === preset && entry.expected_valid);
      const { signs, nameIdFormat } = IDP_PRESETS[preset];
      assert.ok(
        fixtures.some((entry) => entry.signed === signs),
        `${preset} signs ${signs}`,
      );
      assert.ok(
        fixtures.some((entry) => entry.name_id_format === nameIdFormat),
        `${preset} NameID ${nameIdFormat}`,
      );
    }
  });
});

describe('presets: attributeNames override the preset', () => {
  const okta = byFile('okta/waisaml2-2023-signed-response-attributes.xml');
  const onelogin = byFile('onelogin/crewjam-2016-signed-response.xml');

  it('Okta: groups from the role attribute this tenant sends, instead of the preset groups', async () => {
    assert.deepEqual((await verifyAs(okta, 'okta')).groups, []);
    const profile = await verifyAs(okta, 'okta', { attributeNames: { groups: 'role' } });
    assert.deepEqual(profile.groups, ['panemagi_access']);
    // the other fields still come from the preset
    assert.equal(profile.firstName, 'hiroqn');
  });

  it('OneLogin: an override wins even when it names an attribute the response lacks (no fallback)', async () => {
    assert.equal((await verifyAs(onelogin, 'onelogin')).firstName, 'Ross');
    assert.equal(
      (await verifyAs(onelogin, 'onelogin', { attributeNames: { firstName: 'User.LastName' } })).firstName,
      'Kinder',
    );
    assert.equal(
      (await verifyAs(onelogin, 'onelogin', { attributeNames: { firstName: 'givenName' } })).firstName,
      undefined,
    );
  });
});

describe("presets: email { from: 'attribute' } without a name reads the preset's email claim", () => {
  // Auth0's response is the only real one carrying the WS-Federation emailaddress claim type, which AD FS and Entra
  // ID send under the same URI.
  const auth0 = byFile('auth0/gosaml2-2016-signed-response.xml');
  const entra = byFile('azure/waisaml2-2023-signed-assertion.xml');
  const UPN = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';

  for (const preset of ['adfs', 'azure'] as const) {
    it(`${preset}: the emailaddress claim`, async () => {
      const profile = await verifyAs(auth0, preset, { email: { from: 'attribute' } });
      assert.equal(profile.email, 'russell.haering@scaleft.com');
      assert.notEqual(profile.nameId, profile.email);
    });
  }

  it('onelogin: User.email', async () => {
    for (const file of [
      'onelogin/crewjam-2016-signed-response.xml',
      'onelogin/passportwsfed-2018-unicode-signed-response.xml',
    ]) {
      const entry = byFile(file);
      const profile = await verifyAs(entry, 'onelogin', { email: { from: 'attribute' } });
      assert.equal(profile.email, normalisedEmail(entry.attributes['User.email']?.[0] ?? ''), file);
    }
  });

  it('a response without the preset email claim is refused (NAMEID_NOT_EMAIL), not read from elsewhere', async () => {
    await assert.rejects(
      verifyAs(entra, 'azure', { email: { from: 'attribute' } }),
      (err: unknown) => err instanceof SamlError && err.code === 'NAMEID_NOT_EMAIL',
    );
  });

  it('attributeNames.email overrides the preset; an explicit name overrides both', async () => {
    const upn = entra.attributes[UPN]?.[0];
    assert.ok(upn !== undefined);
    const viaNames = await verifyAs(entra, 'azure', {
      email: { from: 'attribute' },
      attributeNames: { email: UPN },
    });
    assert.equal(viaNames.email, upn);
    const viaName = await verifyAs(entra, 'azure', {
      email: { from: 'attribute', name: UPN },
      attributeNames: { email: 'http://example.com/claims/absent' },
    });
    assert.equal(viaName.email, upn);
  });
});

describe('IDP_PRESETS: the public view of each product', () => {
  it('holds the preset fields only, never the console guide nor the authentication-context knowledge', () => {
    for (const [name, preset] of Object.entries(IDP_PRESETS)) {
      const fields = Object.keys(preset).filter((field) => field !== 'email');
      assert.deepEqual(fields.sort(), ['claims', 'label', 'name', 'nameIdFormat', 'signs'], name);
      assert.ok(Object.isFrozen(preset), name);
    }
  });
});
