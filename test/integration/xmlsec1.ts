/**
 * Runs `xmlsec1` (the XML Security Library's command line, independent of samlkit's code) to
 * verify what samlkit signs. See the interop notes for why each flag is there.
 */
import { execFile, spawnSync } from 'node:child_process';

/** The command line to install the verifier, for skip and failure messages. */
export const XMLSEC1_INSTALL = 'apt-get install xmlsec1';

/** An attribute xmlsec1 must treat as an ID (`--id-attr:ID ns:localName`), e.g. the metadata EntityDescriptor's. */
export interface IdAttribute {
  readonly ns: string;
  readonly localName: string;
}

/** What one `xmlsec1 --verify` run said. */
export interface Xmlsec1Result {
  /** True when xmlsec1 exited with status 0 and reported the signature OK. */
  readonly ok: boolean;
  /**
   * `'OK'`: the signature verifies. `'FAIL'`: xmlsec1 processed the signature and a digest or the
   * signature value does not match. `'ERROR'`: it could not get that far (malformed XML, a
   * missing file, a Reference it could not resolve). Assert `'FAIL'` for a tampered document, so
   * that a test whose tampering broke the XML does not pass by accident.
   */
  readonly verdict: 'OK' | 'FAIL' | 'ERROR';
  readonly exitCode: number;
  /** stdout and stderr together, for assertion messages. */
  readonly output: string;
}

/** True when an `xmlsec1` binary is on the PATH. */
export function hasXmlsec1(): boolean {
  const result = spawnSync('xmlsec1', ['--version'], { encoding: 'utf8' });
  return result.error === undefined && result.status === 0;
}

/**
 * Verifies the signature in `xmlPath` with xmlsec1 against exactly the public key of the PEM
 * certificate at `certPath`. `--enabled-key-data key-name` stops xmlsec1 from using (and trying to
 * chain-validate) the certificate in KeyInfo, so only the pinned key can verify. With several
 * signatures in the document, pick one with `nodeId` (the ID of the signed element); otherwise
 * xmlsec1 checks the first in document order.
 *
 * Never throws for a failed verification; it rejects only when xmlsec1 cannot be run.
 */
export async function xmlsec1Verify(
  xmlPath: string,
  certPath: string,
  idAttr: readonly IdAttribute[],
  options: { readonly nodeId?: string } = {},
): Promise<Xmlsec1Result> {
  const args = ['--verify', '--enabled-key-data', 'key-name', '--pubkey-cert-pem', certPath];
  for (const { ns, localName } of idAttr) args.push('--id-attr:ID', `${ns}:${localName}`);
  if (options.nodeId !== undefined) args.push('--node-id', options.nodeId);
  args.push(xmlPath);
  return new Promise((resolve, reject) => {
    execFile('xmlsec1', args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      // A number is xmlsec1's exit status; anything else (ENOENT, a timeout) means it did not run.
      const exitCode = error === null ? 0 : error.code;
      if (typeof exitCode !== 'number') {
        reject(
          new Error(`Could not run xmlsec1 (${XMLSEC1_INSTALL}): ${error?.message ?? ''}`, { cause: error }),
        );
        return;
      }
      const ok = exitCode === 0 && /^OK$/m.test(output);
      const verdict = ok ? 'OK' : /^FAIL$/m.test(output) ? 'FAIL' : 'ERROR';
      resolve({ ok, verdict, exitCode, output });
    });
  });
}
