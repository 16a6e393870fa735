/**
 * The metadata part of `samlkit inspect`: entities, their roles, endpoints, NameID formats and
 * keys (SAML metadata §2.3–2.4), for display.
 *
 * @module
 * @internal
 */
import type { Element } from '@xmldom/xmldom';
import { expiryOf, fields, summarizeCertificate, timeAndRelative, type Row } from './format.js';
import { attributeOf, childrenNamed, descendantsNamed, elementChildren, NS, textOf } from './xml-view.js';

/** The lines describing an EntityDescriptor or EntitiesDescriptor (at most 50 entities). */
export function metadataLines(root: Element, now: Date): string[] {
  const lines: string[] = [];
  const entities =
    root.localName === 'EntityDescriptor' ? [root] : descendantsNamed(root, NS.metadata, 'EntityDescriptor');
  if (root.localName === 'EntitiesDescriptor') {
    const rows: Row[] = [['Entities', String(entities.length)]];
    for (const name of ['Name', 'ID']) {
      const value = attributeOf(root, name);
      if (value !== undefined) rows.push([name, value]);
    }
    const validUntil = attributeOf(root, 'validUntil');
    if (validUntil !== undefined) rows.push(['validUntil', timeAndRelative(validUntil, now)]);
    lines.push(...fields(rows, '  '));
  }
  const shown = entities.slice(0, 50);
  for (const entity of shown) {
    const rows: Row[] = [];
    const add = (label: string, value: string | undefined): void => {
      if (value !== undefined) rows.push([label, value]);
    };
    add('ID', attributeOf(entity, 'ID'));
    const validUntil = attributeOf(entity, 'validUntil');
    if (validUntil !== undefined) add('validUntil', timeAndRelative(validUntil, now));
    add('cacheDuration', attributeOf(entity, 'cacheDuration'));
    for (const role of elementChildren(entity).filter((child) =>
      (child.localName ?? '').endsWith('Descriptor'),
    )) {
      add(role.localName ?? role.tagName, attributeOf(role, 'protocolSupportEnumeration') ?? '');
      for (const flag of ['WantAuthnRequestsSigned', 'AuthnRequestsSigned', 'WantAssertionsSigned']) {
        add(`  ${flag}`, attributeOf(role, flag));
      }
      for (const service of ['SingleSignOnService', 'SingleLogoutService', 'AssertionConsumerService']) {
        for (const endpoint of childrenNamed(role, NS.metadata, service)) {
          const binding = (attributeOf(endpoint, 'Binding') ?? '(no Binding)').replace(/^.*:bindings:/, '');
          const index = attributeOf(endpoint, 'index');
          add(
            `  ${service}`,
            `${binding} ${attributeOf(endpoint, 'Location') ?? '(no Location)'}${index === undefined ? '' : ` (index ${index})`}`,
          );
        }
      }
      for (const format of childrenNamed(role, NS.metadata, 'NameIDFormat'))
        add('  NameIDFormat', textOf(format));
      for (const key of childrenNamed(role, NS.metadata, 'KeyDescriptor')) {
        const certificate = descendantsNamed(key, NS.dsig, 'X509Certificate')[0];
        const summary = certificate === undefined ? undefined : summarizeCertificate(textOf(certificate));
        add(
          `  KeyDescriptor ${attributeOf(key, 'use') ?? '(any use)'}`,
          summary === undefined
            ? '(no readable certificate)'
            : `SHA-256 ${summary.fingerprint}, ${expiryOf(summary.notAfter, now)}`,
        );
      }
    }
    lines.push(
      '',
      `EntityDescriptor ${attributeOf(entity, 'entityID') ?? '(no entityID)'}`,
      ...fields(rows, '  '),
    );
  }
  if (entities.length > shown.length) lines.push('', `… and ${entities.length - shown.length} more entities`);
  return lines;
}
