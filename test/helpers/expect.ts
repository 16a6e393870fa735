import assert from 'node:assert/strict';
import type { verifyResponse } from '../../src/index.js';
import { SamlError, type defineTenant, type explainResponse } from '../../src/index.js';
import { verifyAgreeing } from './agreement.js';
import { NOW, REQUEST_ID, tenant, toForm } from './idp.js';

export type SamlErrorCode = SamlError['code'];
export type TenantConfig = Parameters<typeof defineTenant>[0];
export type Tenant = ReturnType<typeof defineTenant>;
export type Checks = NonNullable<Parameters<typeof explainResponse>[2]>;
export type Form = Parameters<typeof verifyResponse>[1];
export type Profile = Awaited<ReturnType<typeof verifyResponse>>;

class Accepted extends Error {
  constructor(readonly profile: unknown) {
    super('accepted');
  }
}

function describe(e: unknown): string {
  if (e instanceof Accepted) return `ACCEPTED with profile ${JSON.stringify(e.profile)}`;
  if (e instanceof SamlError) return `SamlError ${e.code}: ${e.message}`;
  if (e instanceof Error) return `non-SamlError ${e.constructor.name}: ${e.message}\n${e.stack ?? ''}`;
  return `non-Error ${String(e)}`;
}

/** Checks that `caught` is a SamlError with `code` (or one of them) and a message matching `message`. */
function checkCode(
  caught: unknown,
  code: SamlErrorCode | readonly SamlErrorCode[],
  message?: RegExp,
): SamlError {
  const codes: readonly SamlErrorCode[] = typeof code === 'string' ? [code] : code;
  if (!(caught instanceof SamlError) || !codes.includes(caught.code)) {
    assert.fail(`expected SamlError ${codes.join(' or ')}, got ${describe(caught)}`);
  }
  if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

/**
 * Asserts that `p` rejects with a SamlError carrying `code` (or one of `code` when a list) and,
 * when given, a message matching `message`; returns the error for further checks.
 */
export async function expectCode(
  p: Promise<unknown>,
  code: SamlErrorCode | readonly SamlErrorCode[],
  message?: RegExp,
): Promise<SamlError> {
  let caught: unknown;
  await assert.rejects(
    p.then((profile) => {
      throw new Accepted(profile);
    }),
    (e: unknown) => {
      caught = e;
      return true;
    },
  );
  return checkCode(caught, code, message);
}

/** {@link expectCode} for a function that throws synchronously. */
export function expectCodeSync(
  run: () => unknown,
  code: SamlErrorCode | readonly SamlErrorCode[],
  message?: RegExp,
): SamlError {
  let caught: unknown;
  try {
    caught = new Accepted(run());
  } catch (error) {
    caught = error;
  }
  return checkCode(caught, code, message);
}

/** Asserts that `p` rejects with some SamlError (for inputs whose exact code is not the point). */
export async function expectSamlError(p: Promise<unknown>): Promise<SamlError> {
  let caught: SamlError | undefined;
  await assert.rejects(
    p.then((profile) => {
      throw new Accepted(profile);
    }),
    (e: unknown) => {
      if (e instanceof SamlError) {
        caught = e;
        return true;
      }
      assert.fail(`expected a SamlError, got ${describe(e)}`);
    },
  );
  return caught!;
}

export interface VerifyOptions {
  tenant?: TenantConfig | Tenant;
  checks?: Checks;
  /** Leave `checks.inResponseTo` out (IdP-initiated). */
  unsolicited?: boolean;
}

/** Posts `xml` to tenant A (or `o.tenant`) at NOW, answering REQUEST_ID unless unsolicited. */
export function verify(xml: string | Buffer, o: VerifyOptions = {}): Promise<Profile> {
  const base: Checks =
    o.unsolicited === true ? { now: () => NOW } : { inResponseTo: REQUEST_ID, now: () => NOW };
  return verifyAgreeing(o.tenant ?? tenant(), toForm(xml), { ...base, ...o.checks });
}

/** Posts a raw form. */
export function verifyForm(form: Form, o: VerifyOptions = {}): Promise<Profile> {
  return verifyAgreeing(o.tenant ?? tenant(), form, {
    inResponseTo: REQUEST_ID,
    now: () => NOW,
    ...o.checks,
  });
}

/** An in-memory replay cache that records its calls. */
export function memoryCache(): {
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
  calls: { tenantId: string; assertionId: string; expiresAt: Date }[];
} {
  const seen = new Set<string>();
  const calls: { tenantId: string; assertionId: string; expiresAt: Date }[] = [];
  return {
    calls,
    remember(tenantId, assertionId, expiresAt) {
      calls.push({ tenantId, assertionId, expiresAt });
      const k = JSON.stringify([tenantId, assertionId]);
      if (seen.has(k)) return Promise.resolve(false);
      seen.add(k);
      return Promise.resolve(true);
    },
  };
}
