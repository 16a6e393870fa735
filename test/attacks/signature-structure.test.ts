/**
 * Signature structure: everything outside the strict profile (one SignedInfo, one Reference to the
 * parent's ID, enveloped + exc-c14n transforms only, no Object/Manifest/RetrievalMethod, no comments)
 * is refused before any crypto. Where the edit touches SignedInfo the signature is recomputed with
 * the genuine IdP key (`resign`), so only the structural check can catch it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import type { Document, Element } from '@xmldom/xmldom';
import { ALG, buildResponse, NS, signed } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';
import {
  assertionOf,
  children,
  edit,
  insertXml,
  one,
  resignDoc,
  signatureOf,
  text,
} from '../helpers/mutate.js';

const signedAssertion = signed(buildResponse(), 'assertion');
const signedResponse = signed(buildResponse(), 'response');

/** Edits the assertion's Signature (and re-signs SignedInfo unless `resign` is false). */
function onSig(fn: (sig: Element, doc: Document) => void, resign = true, xml = signedAssertion): string {
  return edit(xml, (doc) => {
    fn(signatureOf(assertionOf(doc)), doc);
    if (resign) resignDoc(doc, 'assertion');
  });
}
const ds = (el: Element, local: string, i = 0): Element => one(el, NS.ds, local, i);
const transform = (uri: string): string => `<ds:Transform Algorithm="${uri}"/>`;
const setTransforms = (sig: Element, markup: string): void => {
  const t = ds(sig, 'Transforms');
  while (t.firstChild) t.removeChild(t.firstChild);
  insertXml(t, markup);
};
const setUri = (uri: string | null) => (sig: Element) => {
  const ref = ds(sig, 'Reference');
  if (uri === null) ref.removeAttribute('URI');
  else ref.setAttribute('URI', uri);
};

describe('signature structure', () => {
  it('two SignedInfo elements', async () => {
    const xml = onSig((sig) => {
      const si = ds(sig, 'SignedInfo');
      sig.insertBefore(si.cloneNode(true), si.nextSibling);
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('two identical References in SignedInfo', async () => {
    const xml = onSig((sig) => void ds(sig, 'SignedInfo').appendChild(ds(sig, 'Reference').cloneNode(true)));
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('second Reference pointing at the Response', async () => {
    const xml = onSig((sig) => {
      const extra = ds(sig, 'Reference').cloneNode(true) as Element;
      extra.setAttribute('URI', '#_resp1');
      ds(sig, 'SignedInfo').appendChild(extra);
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('two DigestValue elements in one Reference', async () => {
    const xml = onSig((sig) => void ds(sig, 'Reference').appendChild(ds(sig, 'DigestValue').cloneNode(true)));
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('DigestValue split by a comment (c14n drops it, signature still valid)', async () => {
    const xml = onSig((sig, doc) => {
      const dv = ds(sig, 'DigestValue');
      const v = dv.textContent ?? '';
      text(dv, v.slice(0, 10));
      dv.appendChild(doc.createComment(''));
      dv.appendChild(doc.createTextNode(v.slice(10)));
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('comment between SignedInfo children', async () => {
    const xml = onSig((sig, doc) => {
      const si = ds(sig, 'SignedInfo');
      si.insertBefore(doc.createComment(' harmless? '), ds(sig, 'Reference'));
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('comment inside SignatureValue', async () => {
    const xml = onSig(
      (sig, doc) => void ds(sig, 'SignatureValue').appendChild(doc.createComment('x')),
      false,
    );
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('extra XPath transform excluding the NameID from the digest', async () => {
    const xml = onSig((sig) => {
      setTransforms(
        sig,
        transform(ALG.enveloped) +
          '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">' +
          '<ds:XPath>not(ancestor-or-self::*[local-name()="NameID"])</ds:XPath></ds:Transform>' +
          transform(ALG.excC14n),
      );
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('XSLT transform', async () => {
    const xml = onSig((sig) => {
      setTransforms(
        sig,
        transform(ALG.enveloped) +
          '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">' +
          '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/></ds:Transform>' +
          transform(ALG.excC14n),
      );
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('unknown transform URI instead of exc-c14n', async () => {
    const xml = onSig((sig) => {
      setTransforms(sig, transform(ALG.enveloped) + transform('urn:example:identity-transform'));
    });
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('inclusive c14n transform instead of exc-c14n', async () => {
    const xml = onSig((sig) => {
      setTransforms(
        sig,
        transform(ALG.enveloped) + transform('http://www.w3.org/TR/2001/REC-xml-c14n-20010315'),
      );
    });
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('transforms in reverse order', async () => {
    const xml = onSig((sig) => {
      setTransforms(sig, transform(ALG.excC14n) + transform(ALG.enveloped));
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('enveloped-signature transform missing', async () => {
    const xml = onSig((sig) => {
      setTransforms(sig, transform(ALG.excC14n));
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('Transforms element removed', async () => {
    const xml = onSig((sig) => void ds(sig, 'Reference').removeChild(ds(sig, 'Transforms')));
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('empty canonical output (XPath transform selecting nothing, digest of "")', async () => {
    const xml = onSig((sig) => {
      setTransforms(
        sig,
        transform(ALG.enveloped) +
          '<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>false()</ds:XPath></ds:Transform>' +
          transform(ALG.excC14n),
      );
      text(ds(sig, 'DigestValue'), crypto.createHash('sha256').update('').digest('base64'));
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('Reference URI empty (whole document)', async () => {
    await expectCode(verify(onSig(setUri(''))), 'SIGNATURE_STRUCTURE');
  });

  it('Reference URI attribute missing', async () => {
    await expectCode(verify(onSig(setUri(null))), 'SIGNATURE_STRUCTURE');
  });

  it('assertion signature whose Reference points at the Response', async () => {
    await expectCode(verify(onSig(setUri('#_resp1'))), 'SIGNATURE_STRUCTURE');
  });

  it('Reference URI as an XPointer', async () => {
    await expectCode(verify(onSig(setUri("#xpointer(id('_assert1'))"))), 'SIGNATURE_STRUCTURE');
  });

  it('ds:Object appended to the Signature (digest and signature still valid)', async () => {
    const xml = onSig(
      (sig) => void insertXml(sig, '<ds:Object><x xmlns="urn:x">payload</x></ds:Object>'),
      false,
    );
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('ds:Manifest inside a ds:Object', async () => {
    const xml = onSig(
      (sig) =>
        void insertXml(
          sig,
          '<ds:Object><ds:Manifest Id="_m"><ds:Reference URI="#_assert1"><ds:DigestMethod Algorithm="' +
            ALG.sha256 +
            '"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:Manifest></ds:Object>',
        ),
      false,
    );
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('RetrievalMethod in KeyInfo (fetch a key from a URL)', async () => {
    const xml = onSig(
      (sig) =>
        void insertXml(
          ds(sig, 'KeyInfo'),
          '<ds:RetrievalMethod URI="https://attacker.example/key.der" Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"/>',
        ),
      false,
    );
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('unknown element inside the Signature', async () => {
    const xml = onSig((sig) => void insertXml(sig, '<ds:Unknown/>'), false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('KeyInfo before SignatureValue', async () => {
    const xml = onSig((sig) => void sig.insertBefore(ds(sig, 'KeyInfo'), ds(sig, 'SignatureValue')), false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('SignatureValue missing', async () => {
    const xml = onSig((sig) => void sig.removeChild(ds(sig, 'SignatureValue')), false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('SignedInfo missing', async () => {
    const xml = onSig((sig) => void sig.removeChild(ds(sig, 'SignedInfo')), false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  // The schema puts ds:Signature right after the Issuer, but Auth0 appends the Response signature
  // after the assertion. Position is not a security property: the Reference must name the
  // signature's own parent, whose ID is unique. Moving it keeps the same signed content.
  for (const [where, move] of [
    [
      'before the Issuer',
      (sig: Element) => (sig.parentNode as Element).insertBefore(sig, sig.parentNode!.firstChild),
    ],
    ['to the end of the assertion', (sig: Element) => (sig.parentNode as Element).appendChild(sig)],
  ] as const) {
    it(`Signature moved ${where} still verifies against its own parent, with the same identity`, async () => {
      const profile = await verify(onSig((sig) => void move(sig), false));
      assert.equal(profile.nameId, 'alice@example.com');
    });
  }

  it('Signature nested inside the Subject', async () => {
    const xml = onSig((sig, doc) => void one(doc, NS.saml, 'Subject').appendChild(sig), false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('Response signature moved inside samlp:Status', async () => {
    const xml = edit(signedResponse, (doc) => {
      const sig = signatureOf(doc.documentElement!);
      one(doc, NS.samlp, 'Status').appendChild(sig);
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('two Signatures on the assertion', async () => {
    const xml = onSig(
      (sig) => void (sig.parentNode as Element).insertBefore(sig.cloneNode(true), sig.nextSibling),
      false,
    );
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('SignatureValue is not base64 (refused as malformed)', async () => {
    const xml = onSig((sig) => {
      text(ds(sig, 'SignatureValue'), '!!not*base64??');
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('SignatureValue of the right length but random', async () => {
    const xml = onSig((sig) => {
      text(ds(sig, 'SignatureValue'), crypto.randomBytes(256).toString('base64'));
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('SignatureValue empty', async () => {
    const xml = onSig((sig) => {
      text(ds(sig, 'SignatureValue'), '');
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('SignatureValue truncated', async () => {
    const xml = onSig((sig) => {
      const v = ds(sig, 'SignatureValue');
      text(v, (v.textContent ?? '').slice(0, 100));
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('DigestValue of another element (signature recomputed)', async () => {
    const xml = onSig((sig) => {
      text(ds(sig, 'DigestValue'), crypto.createHash('sha256').update('<x/>').digest('base64'));
    });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('empty ds:Signature element', async () => {
    const xml = onSig((sig) => {
      for (const c of children(sig)) sig.removeChild(c);
    }, false);
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });
});
