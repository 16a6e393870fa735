/**
 * Signature wrapping (XSW): the signature still verifies over the original node, while an evil copy
 * sits where a careless verifier would read the identity. SAML Raider's XSW1–8 and variants through
 * Advice, Extensions, Signature/Object, foreign signed elements and prepended assertions. Every
 * mutation is done on the signed XML, as an attacker holding one genuine response would.
 */
import { describe, it } from 'node:test';
import type { Document, Element } from '@xmldom/xmldom';
import { buildResponse, NS, signed, signXml } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';
import {
  assertionOf,
  children,
  edit,
  evilTwin,
  insertXml,
  one,
  setNameId,
  signatureOf,
} from '../helpers/mutate.js';

const EVIL = 'admin@example.com';
const signedAssertion = signed(buildResponse(), 'assertion');
const signedResponse = signed(buildResponse(), 'response');

const issuerOf = (el: Element): Element => {
  const i = children(el).find((c) => c.localName === 'Issuer');
  if (i === undefined) throw new Error('no Issuer');
  return i;
};
const after = (el: Element): Element | null => (el.nextSibling as Element | null) ?? null;

/** Response-level XSW: an evil Response replaces the signed one, which is hidden inside it. */
function wrapResponse(doc: Document, place: (evil: Element, sig: Element, original: Element) => void): void {
  const original = doc.documentElement!;
  const evil = evilTwin(original, '_evil');
  one(evil, NS.saml, 'Assertion').setAttribute('ID', '_evilAssertion');
  setNameId(evil, EVIL);
  const sig = signatureOf(original);
  original.removeChild(sig);
  doc.replaceChild(evil, original);
  place(evil, sig, original);
}

/** Assertion-level XSW: returns the original (signed) assertion and an evil twin already in the tree. */
function twin(doc: Document, keepSignature = false): { original: Element; evil: Element } {
  const original = assertionOf(doc);
  const evil = keepSignature ? (original.cloneNode(true) as Element) : evilTwin(original, '_evil');
  if (keepSignature) evil.setAttribute('ID', '_evil');
  setNameId(evil, EVIL);
  original.parentNode!.insertBefore(evil, original);
  return { original, evil };
}

describe('signature wrapping (XSW)', () => {
  it('XSW1: original signed Response hidden inside the Signature of an evil Response', async () => {
    const xml = edit(signedResponse, (doc) => {
      wrapResponse(doc, (evil, sig, original) => {
        evil.insertBefore(sig, after(issuerOf(evil)));
        sig.appendChild(original);
      });
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW2: original signed Response placed before a detached Signature in an evil Response', async () => {
    const xml = edit(signedResponse, (doc) => {
      wrapResponse(doc, (evil, sig, original) => {
        const next = after(issuerOf(evil));
        evil.insertBefore(original, next);
        evil.insertBefore(sig, next);
      });
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW3: unsigned evil assertion prepended before the signed one', async () => {
    const xml = edit(signedAssertion, (doc) => void twin(doc));
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW3 variant: evil assertion appended after the signed one', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original, evil } = twin(doc);
      original.parentNode!.insertBefore(evil, after(original));
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW4: signed assertion nested inside the evil assertion', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original, evil } = twin(doc);
      evil.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW5: evil assertion keeps the signature, unsigned original appended to the Response', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original } = twin(doc, true);
      original.removeChild(signatureOf(original));
      doc.documentElement!.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW6: original assertion hidden inside the Signature of the evil assertion', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original, evil } = twin(doc, true);
      original.removeChild(signatureOf(original));
      signatureOf(evil).appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('XSW7: signed assertion moved into samlp:Extensions, evil assertion in its place', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original } = twin(doc);
      const root = doc.documentElement!;
      const [ext] = insertXml(root, '<samlp:Extensions/>', after(issuerOf(root)));
      ext!.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it("XSW8: original assertion inside a ds:Object of the evil assertion's Signature", async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original, evil } = twin(doc, true);
      original.removeChild(signatureOf(original));
      const [obj] = insertXml(signatureOf(evil), '<ds:Object/>');
      obj!.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it("evil twin keeping the signed assertion's ID (prepended)", async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { evil } = twin(doc);
      evil.setAttribute('ID', '_assert1');
    });
    await expectCode(verify(xml), 'DUPLICATE_ID');
  });

  it('signed assertion hidden in the Advice of an evil assertion', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const { original, evil } = twin(doc);
      const [advice] = insertXml(evil, '<saml:Advice/>', one(evil, NS.saml, 'AuthnStatement'));
      advice!.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('only assertion moved into Extensions (none left directly under the Response)', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const root = doc.documentElement!;
      const [ext] = insertXml(root, '<samlp:Extensions/>', after(issuerOf(root)));
      ext!.appendChild(assertionOf(doc));
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('signed Response nested in the Extensions of an assertion-less evil Response', async () => {
    const xml = edit(signedResponse, (doc) => {
      const original = doc.documentElement!;
      const evil = evilTwin(original, '_evil');
      evil.removeChild(one(evil, NS.saml, 'Assertion'));
      doc.replaceChild(evil, original);
      const [ext] = insertXml(evil, '<samlp:Extensions/>', after(issuerOf(evil)));
      ext!.appendChild(original);
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('assertion signature moved up to the unsigned Response (still referencing the assertion)', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const root = doc.documentElement!;
      const sig = signatureOf(assertionOf(doc));
      root.insertBefore(sig, after(issuerOf(root)));
      setNameId(assertionOf(doc), EVIL);
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('signature over a foreign signed element (in Extensions) moved onto the assertion', async () => {
    const withForeign = buildResponse().replace(
      '<samlp:Status>',
      '<samlp:Extensions><x:Note xmlns:x="urn:example:note" ID="_note1">hello</x:Note></samlp:Extensions><samlp:Status>',
    );
    const foreignSigned = signXml(withForeign, { ref: 'assertion', id: '_note1' });
    const xml = edit(foreignSigned, (doc) => {
      const note = one(doc, 'urn:example:note', 'Note');
      const assertion = assertionOf(doc);
      assertion.insertBefore(signatureOf(note), after(issuerOf(assertion)));
      setNameId(assertion, EVIL);
    });
    await expectCode(verify(xml), 'SIGNATURE_STRUCTURE');
  });

  it('NameID changed inside a signed assertion (plain tampering)', async () => {
    const xml = edit(signedAssertion, (doc) => {
      setNameId(assertionOf(doc), EVIL);
    });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('NameID changed inside a signed Response (plain tampering)', async () => {
    const xml = edit(signedResponse, (doc) => {
      setNameId(assertionOf(doc), EVIL);
    });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('groups attribute value injected into a signed assertion', async () => {
    const xml = edit(signedAssertion, (doc) => {
      const groups = one(doc, NS.saml, 'Attribute', 3);
      insertXml(groups, '<saml:AttributeValue>superusers</saml:AttributeValue>');
    });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });
});
