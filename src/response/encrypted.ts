/**
 * The decrypted assertion, held to the rules of a received document, and the rule that keeps
 * AES-CBC from becoming a decryption oracle. `envelope.ts` runs them between the Response signature
 * and the assertion's own.
 *
 * @module
 */
import type { Element } from '@xmldom/xmldom';
import {
  decryptionFailed,
  decryptParts,
  type DecryptionKey,
  type DecryptionPolicy,
} from '../crypto/decrypt.js';
import type { EncryptedParts } from '../crypto/decrypt.js';
import { MAX_ENCRYPTED_BYTES, readEncryptedAssertion } from '../crypto/xmlenc.js';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import type { ResolvedTenant } from '../tenant/validate.js';
import { descendantsNamed, isElement } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { parseXml } from '../xml/parse.js';

/** A decrypted assertion: the root of its own, strictly parsed document. */
export interface DecryptedAssertion {
  readonly element: Element;
  /** The IDs of the decrypted document (its signature resolves its reference here, and only here). */
  readonly ids: ReadonlyMap<string, Element>;
  /** Our key that unwrapped the content key. */
  readonly key: DecryptionKey;
}

export function decryptionPolicyOf(tenant: ResolvedTenant): DecryptionPolicy {
  return {
    keys: tenant.decryptionKeys,
    allowAesCbc: tenant.allowAesCbc,
    tenantId: tenant.config.id,
  };
}

/**
 * The structure and algorithms of an `EncryptedAssertion`, before any key is used. A tenant without
 * `sp.decryption` gets `DECRYPTION_FAILED`, with a hint that says so.
 */
export function readEncrypted(encrypted: Element, tenant: ResolvedTenant): EncryptedParts {
  const policy = decryptionPolicyOf(tenant);
  if (policy.keys.length === 0) decryptionFailed(policy);
  return readEncryptedAssertion(encrypted, policy);
}

/**
 * True when a failure after decryption can be reported as it is. With AES-GCM a changed ciphertext
 * never decrypts, and a ciphertext the attacker made himself holds a plaintext he already knows; a
 * verified Response signature fixes the ciphertext before decryption. Only AES-CBC outside a
 * verified signature is malleable, and then how the decrypted bytes fail would be an oracle.
 */
export function failuresAreSafe(parts: EncryptedParts, responseVerified: boolean): boolean {
  return parts.mode === 'gcm' || responseVerified;
}

/**
 * Runs `step`; any SamlError it throws becomes the one `DECRYPTION_FAILED`, for AES-CBC that no
 * verified signature covers (see {@link failuresAreSafe}).
 */
export function asDecryptionFailure<T>(tenant: ResolvedTenant, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SamlError) decryptionFailed(decryptionPolicyOf(tenant));
    throw error;
  }
}

/**
 * Decrypts the assertion and holds the plaintext to the rules of a received document (docs/security.md
 * rule 1, 4, 6): a separate strict `parseXml` (no DOCTYPE, caps, unique IDs), one `saml:Assertion`
 * as its root and no assertion inside it, signatures only directly in it, and no ID that the
 * Response also uses.
 */
export function openDecrypted(
  parts: EncryptedParts,
  outerIds: ReadonlyMap<string, Element>,
  tenant: ResolvedTenant,
): DecryptedAssertion {
  const tenantId = tenant.config.id;
  const { plaintext, key } = decryptParts(parts, decryptionPolicyOf(tenant));
  if (plaintext.length > MAX_ENCRYPTED_BYTES) {
    fail('SIZE_LIMIT', `The decrypted assertion is larger than ${MAX_ENCRYPTED_BYTES} bytes`, {
      hint: 'Have the IdP send fewer attribute values (group IDs only, or the groups assigned to this application).',
      tenantId,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext);
  } catch {
    malformed('The decrypted assertion is not UTF-8 text', tenantId);
  }
  const parsed = parseXml(text);
  const root = parsed.root;
  if (!isElement(root, NS.assertion, 'Assertion')) {
    malformed('The encrypted content is not a saml:Assertion', tenantId);
  }
  const nested = [
    ...descendantsNamed(root, NS.assertion, 'Assertion'),
    ...descendantsNamed(root, NS.assertion, 'EncryptedAssertion'),
  ];
  if (nested.length > 0) {
    fail('MULTIPLE_ASSERTIONS', 'The decrypted assertion contains another assertion', {
      hint: 'Assertions inside assertions are a sign of a signature-wrapping attack; no IdP sends them.',
      tenantId,
    });
  }
  if (descendantsNamed(root, NS.dsig, 'Signature').some((signature) => signature.parentNode !== root)) {
    fail('SIGNATURE_STRUCTURE', 'A signature sits inside the decrypted assertion, not directly in it', {
      hint: 'Signatures on other elements are a sign of a signature-wrapping attack.',
      tenantId,
    });
  }
  for (const id of parsed.ids.keys()) {
    if (outerIds.has(id)) {
      fail('DUPLICATE_ID', 'The decrypted assertion uses an ID that the Response also uses', {
        hint: 'Each ID must be unique; a duplicate ID is a sign of a signature-wrapping attack.',
        received: id,
        tenantId,
      });
    }
  }
  return { element: root, ids: parsed.ids, key };
}

function malformed(message: string, tenantId: string): never {
  fail('MALFORMED_XML', message, {
    hint: 'The decrypted assertion is not a SAML 2.0 assertion. Check the IdP’s encryption settings (it must encrypt the whole Assertion element).',
    tenantId,
  });
}
