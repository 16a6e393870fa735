import { SamlError, type SamlErrorCode } from '../errors.js';
import type { Tenant } from '../tenant/define.js';
import {
  skipReplayCheck,
  type ResponseForm,
  type SamlProfile,
  type TenantConfig,
  type VerifyChecks,
} from '../types.js';
import { CHECKS, type CheckDetail, type CheckName, type Trace } from './trace.js';
import type { DecodedResponse } from './read.js';
import { runChecks } from './verify.js';

/** One check of the report. */
export interface CheckResult {
  /** The check's stable name, e.g. `'audience'`. */
  readonly name: CheckName;
  /** What the check makes sure of, in English, for a report. */
  readonly title: string;
  /** `skipped`: it did not apply (no Response signature), or an earlier check failed. */
  readonly status: 'pass' | 'fail' | 'skipped';
  /** The value (or the values, e.g. pinned fingerprints) the check compared against. */
  readonly expected?: string | readonly string[];
  /** The value the response carried; personal data is redacted unless `showPersonalData`. */
  readonly received?: string;
  /** More about the check: the algorithms and key of a signature, or, for a failed check, its message. */
  readonly note?: string;
  /** For a failed check: what the admin can change. */
  readonly hint?: string;
}

/** What {@link explainResponse} found. */
export interface ResponseReport {
  /** Exactly what `verifyResponse` decides with the same arguments. */
  readonly accepted: boolean;
  /** Every check of `verifyResponse`, in the order it runs them; at most one has status `'fail'`. */
  readonly checks: readonly CheckResult[];
  /** The failure `verifyResponse` would throw. */
  readonly error?: {
    /** The {@link SamlError.code}. */
    readonly code: SamlErrorCode;
    /** The {@link SamlError.message}: which check failed, for logs. */
    readonly message: string;
    /** The {@link SamlError.hint}: what the admin can change. */
    readonly hint: string;
  };
  /**
   * The verified identity. Unless `showPersonalData`, the NameID, email, names and attribute values
   * are redacted (`a***@example.com`); claim names and groups stay readable.
   */
  readonly profile?: SamlProfile;
}

/** The checks of {@link explainResponse}: those of `verifyResponse`, the replay cache optional. */
export type ExplainChecks = Omit<VerifyChecks, 'replayCache'> & {
  /** Checks for a replay, as `verifyResponse` does; without it the replay check is skipped. */
  readonly replayCache?: VerifyChecks['replayCache'];
};

/** Options of {@link explainResponse}. */
export interface ExplainOptions {
  /** Show NameIDs and email addresses in clear. Default `false`: `a***@example.com`. */
  readonly showPersonalData?: boolean;
}

/**
 * Runs every check of {@link verifyResponse} (it runs the same code) and reports each one, in
 * order, as passed, failed or skipped, with what was expected and received and, for the failed
 * one, a hint for the admin: which element is signed and by which key (SHA-256 fingerprints of the
 * key used and of the pinned ones), the algorithms, the clock delta, and so on. It never throws
 * for bad input; it decides exactly as `verifyResponse` does. Use it for a tenant's "Test
 * connection" screen. Personal data is redacted unless asked for.
 *
 * Give it a `replayCache` only if the test should also use up the assertion.
 *
 * @example
 * ```ts
 * const report = await explainResponse(tenant, req.body, { inResponseTo });
 * for (const check of report.checks) console.log(check.status, check.title, check.hint ?? '');
 * ```
 */
export async function explainResponse(
  tenant: TenantConfig | Tenant,
  form: ResponseForm | DecodedResponse,
  checks: ExplainChecks = {},
  options: ExplainOptions = {},
): Promise<ResponseReport> {
  const recorded = new Map<CheckName, CheckDetail & { readonly entered: true }>();
  let current: CheckName | undefined;
  const trace: Trace = {
    check(name) {
      current = name;
      recorded.set(name, { entered: true });
    },
    detail(detail) {
      if (current !== undefined)
        recorded.set(current, { ...recorded.get(current), ...detail, entered: true });
    },
  };
  const reveal = options.showPersonalData === true;
  let profile: SamlProfile | undefined;
  let error: SamlError | undefined;
  try {
    // A diagnosis logs nobody in: without a replay cache, the replay check is reported as skipped.
    profile = await runChecks(
      tenant,
      form,
      { ...checks, replayCache: checks.replayCache ?? skipReplayCheck },
      trace,
    );
  } catch (caught) {
    if (!(caught instanceof SamlError)) throw caught;
    error = caught;
  }

  const results = CHECKS.map(([name, title]): CheckResult => {
    const seen = recorded.get(name);
    if (seen === undefined) return { name, title, status: 'skipped' };
    const failed = error !== undefined && name === current;
    const received = failed ? (error?.received ?? seen.received) : seen.received;
    // SamlError keeps personal data non-enumerable: that is how the report knows to redact it.
    const personal =
      seen.personal === true ||
      (failed && Object.getOwnPropertyDescriptor(error, 'received')?.enumerable === false);
    return {
      name,
      title,
      status: failed ? 'fail' : seen.skipped === true ? 'skipped' : 'pass',
      ...(seen.expected !== undefined && { expected: seen.expected }),
      ...(failed && error?.expected !== undefined && { expected: error.expected }),
      ...(received !== undefined && { received: personal && !reveal ? redact(received) : received }),
      ...(seen.note !== undefined && { note: seen.note }),
      ...(failed && error !== undefined && { note: error.message, hint: error.hint }),
    };
  });
  return {
    accepted: error === undefined,
    checks: results,
    ...(error !== undefined && { error: { code: error.code, message: error.message, hint: error.hint } }),
    ...(profile !== undefined && { profile: reveal ? profile : redactProfile(profile) }),
  };
}

/** `alice@example.com` → `a***@example.com`; other identifiers keep their first character. */
export function redact(value: string): string {
  const at = value.lastIndexOf('@');
  return at > 0 ? `${value.slice(0, 1)}***${value.slice(at)}` : `${value.slice(0, 1)}***`;
}

/** Claim names and groups stay readable (what an admin checks); values that may identify a person do not. */
function redactProfile(profile: SamlProfile): SamlProfile {
  return {
    ...profile,
    nameId: redact(profile.nameId),
    ...(profile.email !== undefined && { email: redact(profile.email) }),
    ...(profile.firstName !== undefined && { firstName: redact(profile.firstName) }),
    ...(profile.lastName !== undefined && { lastName: redact(profile.lastName) }),
    attributes: Object.fromEntries(
      Object.entries(profile.attributes).map(([name, values]) => [
        name,
        profile.groups === values ? values : values.map(redact),
      ]),
    ),
  };
}
