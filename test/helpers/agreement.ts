/**
 * verifyResponse, checked against explainResponse on the same input: the report must accept exactly
 * what verifyResponse accepts, fail with the same code, and name exactly one failed check. Every
 * attack case and every real fixture goes through it, which is the proof that the two agree.
 */
import assert from 'node:assert/strict';
import { explainResponse, SamlError, skipReplayCheck, verifyResponse } from '../../src/index.js';

type Args = Parameters<typeof explainResponse>;

export async function verifyAgreeing(...[tenant, form, given = {}]: Args): ReturnType<typeof verifyResponse> {
  const checks: Parameters<typeof verifyResponse>[2] = {
    ...given,
    replayCache: given.replayCache ?? skipReplayCheck,
  };
  // A replay cache would be used up by the report; those cases are covered by the replay tests.
  const report =
    checks.replayCache === skipReplayCheck ? await explainResponse(tenant, form, checks) : undefined;
  let profile: Awaited<ReturnType<typeof verifyResponse>>;
  try {
    profile = await verifyResponse(tenant, form, checks);
  } catch (error) {
    if (report !== undefined && error instanceof SamlError) {
      assert.equal(
        report.accepted,
        false,
        `explainResponse accepted what verifyResponse refused (${error.code})`,
      );
      assert.equal(report.error?.code, error.code, 'explainResponse reports another code');
      const failed = report.checks.filter((check) => check.status === 'fail');
      assert.equal(failed.length, 1, `explainResponse names ${failed.length} failed checks`);
    }
    throw error;
  }
  if (report !== undefined) {
    assert.equal(
      report.accepted,
      true,
      `explainResponse refused what verifyResponse accepted: ${report.error?.code ?? ''}`,
    );
    assert.ok(!report.checks.some((check) => check.status === 'fail'));
  }
  return profile;
}
