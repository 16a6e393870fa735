/**
 * The certificate check an app schedules (daily, say): every tenant's IdP signing certificates with
 * the days they have left, and, for a tenant whose settings came from a metadata URL, the IdP's
 * current metadata, staged as a draft when its certificates differ. A draft, not the live settings:
 * a key the IdP publishes is trusted only after the admin's test connection passes and they promote
 * it, as with any other change of the IdP (docs/admin-setup.md).
 *
 * @module
 */
import type { Clock } from '../types.js';
import { currentTime } from '../internal/time.js';
import { randomBytes } from 'node:crypto';
import { parseCertificate } from '../crypto/keys.js';
import { SamlError } from '../errors.js';
import { idpSettingsOf, withIdpSettings, type IdpSettings } from '../store/setup-record.js';
import { validateTenantConfig } from '../tenant/define.js';
import type { SetupStore, TenantStore } from '../store/types.js';
import type { MetadataFetcher } from './input.js';
import { emitter, type EventHandler } from '../service/events.js';

/** One IdP signing certificate of a tenant, and how long it has left. */
export interface CertificateStatus {
  /** SHA-256 fingerprint, colon-separated upper-case hex (as IdP consoles show it). */
  readonly fingerprint: string;
  /** When it expires. */
  readonly notAfter: Date;
  /** Whole days left (negative once expired). */
  readonly daysLeft: number;
  /** `expiring`: within `warnDays`; `expired`: logins signed with it fail now. */
  readonly status: 'ok' | 'expiring' | 'expired';
}

/** What {@link checkIdpCertificates} found for one tenant. */
export interface TenantCertificateReport {
  /** The tenant. */
  readonly tenantId: string;
  /** Its live IdP certificates. */
  readonly certificates: readonly CertificateStatus[];
  /**
   * What the metadata refresh did: `draft-saved` (new certificates staged as a draft: ask the admin
   * to test and promote it), `unchanged`, `draft-exists` (the admin is editing a draft: left alone),
   * `failed` (see `problem`), or absent when there was nothing to refresh (no metadata URL, or no
   * certificate expiring).
   */
  readonly refresh?: 'draft-saved' | 'unchanged' | 'draft-exists' | 'failed';
  /**
   * Why the refresh failed: a SamlError's code and hint (`TENANT_CONFIG_INVALID` when the IdP
   * publishes certificates samlkit does not accept, `METADATA_FETCH_FAILED` when the fetcher failed
   * with anything else).
   */
  readonly problem?: {
    /** The SamlError's code. */
    readonly code: string;
    /** The SamlError's hint. */
    readonly hint: string;
  };
}

/** Options of {@link checkIdpCertificates}. */
export interface CheckIdpCertificatesOptions {
  /** The tenants to check (every tenant, `list()`). */
  readonly tenants: TenantStore;
  /** Their setup records: the metadata URL of the live settings, and where a refresh is staged. */
  readonly setup: SetupStore;
  /** Downloads metadata (`fetchIdpMetadata` of `samlkit/fetch`); without it nothing is refreshed. */
  readonly fetchMetadata?: MetadataFetcher;
  /** Days before expiry a certificate counts as expiring (and a refresh is tried). Default 30. */
  readonly warnDays?: number;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
  /** Receives `saml.certificate.expiring` for each certificate that is expiring or expired. */
  readonly onEvent?: EventHandler;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Reports every tenant's IdP signing certificates with the days they have left; for a tenant with
 * an expiring certificate and a metadata URL, downloads the metadata and stages new certificates as
 * a draft. Never throws for one tenant's failure: it is in that tenant's report.
 *
 * @example
 * ```ts
 * const reports = await checkIdpCertificates({ tenants: store, setup: store, fetchMetadata: (url) => fetchIdpMetadata(url).then(…) });
 * for (const report of reports) if (report.refresh === 'draft-saved') notifyAdmins(report.tenantId);
 * ```
 * @see SAML 2.0 metadata §2.4.1.1 (KeyDescriptor) and metadata-iop (key rollover through metadata).
 */
export async function checkIdpCertificates(
  options: CheckIdpCertificatesOptions,
): Promise<TenantCertificateReport[]> {
  const warnDays = options.warnDays ?? 30;
  if (!Number.isInteger(warnDays) || warnDays < 0 || warnDays > 3650)
    throw new TypeError('options.warnDays must be a whole number from 0 to 3650');
  const now = currentTime(options.now, 'options.now');
  const emit = emitter(options.onEvent, 'options.onEvent');
  const reports: TenantCertificateReport[] = [];
  for (const tenant of await options.tenants.list()) {
    const certificates = tenant.idp.certificates.map((pem) => statusOf(pem, now, warnDays));
    for (const certificate of certificates.filter((c) => c.status !== 'ok')) {
      emit({
        name: 'saml.certificate.expiring',
        time: now,
        attributes: {
          'saml.tenant.id': tenant.id,
          'saml.certificate.owner': 'idp',
          'saml.certificate.fingerprint': certificate.fingerprint,
          'saml.certificate.expires_at': certificate.notAfter.toISOString(),
          'saml.certificate.days_left': certificate.daysLeft,
        },
      });
    }
    const base = { tenantId: tenant.id, certificates };
    const record = await options.setup.getSetup(tenant.id);
    const url = record?.metadataUrl;
    if (
      url === undefined ||
      options.fetchMetadata === undefined ||
      certificates.every((c) => c.status === 'ok')
    ) {
      reports.push(base);
      continue;
    }
    if (record?.draft !== undefined) {
      reports.push({ ...base, refresh: 'draft-exists' });
      continue;
    }
    try {
      const metadata = await options.fetchMetadata(url);
      const fresh = metadata.idp.certificates;
      const same =
        fresh.length === tenant.idp.certificates.length &&
        fresh.every((pem) => tenant.idp.certificates.some((known) => samePem(known, pem)));
      if (same || metadata.entityId !== tenant.idp.entityId) {
        // Another entity ID at the same URL is not a key rollover: left to the admin.
        reports.push({ ...base, refresh: 'unchanged' });
        continue;
      }
      const live = idpSettingsOf(tenant);
      const settings: IdpSettings = { ...live, idp: { ...live.idp, certificates: fresh } };
      // What the IdP now publishes must make a valid configuration before an admin is asked to test
      // it (a 1024-bit key, an expired certificate): the same rules as a draft the admin saves.
      const invalid = validateTenantConfig(withIdpSettings(tenant, settings), { now: () => now }).find(
        (problem) => problem.severity === 'error',
      );
      if (invalid !== undefined) {
        reports.push({
          ...base,
          refresh: 'failed',
          problem: {
            code: 'TENANT_CONFIG_INVALID',
            hint: `The IdP's metadata at ${url} publishes certificates samlkit does not accept (${invalid.path}: ${invalid.message}). Ask the IdP's admin to publish a valid signing certificate.`,
          },
        });
        continue;
      }
      const draft = {
        revision: randomBytes(12).toString('base64url'),
        savedAt: now.toISOString(),
        settings,
        metadataUrl: url,
      };
      // Only when there is still no draft: an admin may have saved one while the metadata downloaded.
      const saved = await options.setup.saveDraft(tenant.id, draft, { onlyIfNone: true });
      reports.push({ ...base, refresh: saved ? 'draft-saved' : 'draft-exists' });
    } catch (caught) {
      // One tenant's failure (its fetcher, its IdP's metadata) is in its report, never the others'.
      reports.push({ ...base, refresh: 'failed', problem: problemOf(caught) });
    }
  }
  return reports;
}

function problemOf(caught: unknown): { readonly code: string; readonly hint: string } {
  if (caught instanceof SamlError) return { code: caught.code, hint: caught.hint };
  const reason = caught instanceof Error ? caught.message : String(caught);
  return {
    code: 'METADATA_FETCH_FAILED',
    hint: `The metadata could not be downloaded: ${reason}. Check the metadata URL in the SSO settings.`,
  };
}

/** A certificate's expiry, as the setup page shows it; a `TypeError` for text that is not a certificate. */
export function certificateStatus(pem: string, now: Date, warnDays = 30): CertificateStatus {
  return statusOf(pem, now, warnDays);
}

function statusOf(pem: string, now: Date, warnDays: number): CertificateStatus {
  // Any key size: this only reports expiry (validation judges the key).
  const parsed = parseCertificate(pem, { allowRsa1024: true });
  if (typeof parsed === 'string') throw new TypeError(`pem ${parsed}`);
  const notAfter = new Date(parsed.expiresAt);
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const status = notAfter.getTime() <= now.getTime() ? 'expired' : daysLeft <= warnDays ? 'expiring' : 'ok';
  return { fingerprint: parsed.fingerprint, notAfter, daysLeft, status };
}

function samePem(a: string, b: string): boolean {
  const body = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '');
  return body(a) === body(b);
}
