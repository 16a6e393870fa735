/**
 * The caps that hold before xmldom sees a document (docs/security.md rule 2). xmldom builds the whole tree
 * before the walk in `parse.ts` can count it, and its cost is per token, not per byte: a 256 KiB
 * response of empty elements took 200–350 ms to refuse, one of 4 MiB seconds and about a gigabyte.
 * One linear pass over the text, with no regular expression and nothing allocated per tag, adds up
 * what xmldom would have to do and refuses the document before it is parsed when that is more than
 * any real response or metadata needs.
 *
 * The counts are upper bounds of what xmldom builds (a `<` that opens nothing real still counts as an
 * element, an `=` in a tag as an attribute), so the pass cannot be talked out of counting something.
 * It never refuses for well-formedness: that is xmldom's job, and the walk after the parse stays the
 * authority for exact node counts, depth, IDs and namespaces.
 *
 * @module
 */
import { fail } from '../internal/fail.js';

/** Caps on the tokens of a document, checked on its text before it is parsed. */
export interface TokenLimits {
  /**
   * The most parsing work, in units of about a microsecond of xmldom's time on a 2-core machine
   * (see {@link WORK}): the budget that elements, end tags, attributes, namespace declarations,
   * text runs, comments and references share.
   */
  readonly maxWork: number;
  /** Attributes of one element, namespace declarations included (as `TREE_LIMITS`). */
  readonly maxAttributesPerElement: number;
  /** Nesting of elements (as `TREE_LIMITS.maxDepth`). */
  readonly maxDepth: number;
  /** Characters inside comments, all comments together. */
  readonly maxCommentLength: number;
  /** What an admin can do about a document over a cap (the `hint` of the `SIZE_LIMIT` error). */
  readonly hint: string;
}

/**
 * What each token costs to parse and inspect, relative to an empty element, measured through
 * `verifyResponse` on the benchmark machine (docs/performance.md): an end tag compiles a large
 * Unicode regular expression in xmldom 0.9 (about 4 µs), a namespace declaration costs xmldom a new
 * prefix map and the walk a check, a comment costs about two text nodes.
 */
export const WORK = Object.freeze({
  element: 1,
  endTag: 4,
  attribute: 2,
  namespaceDeclaration: 6,
  text: 1,
  comment: 2,
  cdata: 1,
  instruction: 1,
  reference: 1,
  /** Per 64 characters of one tag (names are matched with regular expressions, values copied). */
  tagCharacters: 1 / 64,
  /** Per 512 characters of the whole document (decoding, scanning, copying text). */
  characters: 1 / 512,
});

/** What {@link checkTokens} counted: upper bounds of what xmldom would build. */
export interface TokenCounts {
  readonly elements: number;
  readonly endTags: number;
  readonly attributes: number;
  readonly namespaceDeclarations: number;
  readonly texts: number;
  /** Comments, CDATA sections and processing instructions. */
  readonly otherNodes: number;
  readonly commentLength: number;
  readonly references: number;
  /** The deepest nesting of elements seen. */
  readonly depth: number;
  /** The sum of the counts, each weighted by {@link WORK}. */
  readonly work: number;
}

/**
 * The caps for a SAML Response and a decrypted assertion. A 200-group Entra ID response is about
 * 1 600 units of work, and every real response and metadata file in `fixtures/` under 1 100; 10 000
 * units is about 1 500 Entra-style or 350 Okta-style group values (Okta declares two namespaces on
 * each), and a document that spends all of it is parsed and refused in about 10 ms.
 */
export const RESPONSE_TOKEN_LIMITS: TokenLimits = Object.freeze({
  maxWork: 10_000,
  maxAttributesPerElement: 48,
  maxDepth: 48,
  maxCommentLength: 64 * 1024,
  hint: 'The response has far more elements, attributes or comments than an IdP sends, and was refused before parsing. If the IdP really sends this many group values, configure it to send group IDs only or to filter the groups sent to this application.',
});

/**
 * The caps for IdP metadata: the same work, which the metadata of one IdP (a few hundred elements,
 * at most about 3 000 units for ADFS's long list of offered claims) stays far below.
 */
export const METADATA_TOKEN_LIMITS: TokenLimits = Object.freeze({
  ...RESPONSE_TOKEN_LIMITS,
  hint: 'The metadata has far more elements, attributes or comments than the metadata of one IdP, and was refused before parsing: this looks like a federation-wide aggregate. Use the metadata of this one IdP.',
});

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const BANG = 0x21; // !
const QUESTION = 0x3f; // ?
const EQUALS = 0x3d; // =
const QUOTE = 0x22; // "
const APOSTROPHE = 0x27; // '

/** XML 1.0 §2.3 S: space, tab, CR, LF. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Counts the tokens of `text` and throws `SIZE_LIMIT` as soon as a cap is passed. Linear in the
 * length of the text (comment, CDATA and text content is skipped with `indexOf`); stops at the
 * first cap passed.
 */
export function checkTokens(text: string, limits: TokenLimits): TokenCounts {
  const length = text.length;
  let elements = 0;
  let endTags = 0;
  let attributes = 0;
  let declarations = 0;
  let texts = 0;
  let others = 0;
  let commentLength = 0;
  let references = 0;
  let depth = 0;
  let deepest = 0;
  let work = 0;
  const over = (what: string, limit: number): never =>
    fail('SIZE_LIMIT', `The document has more than ${limit} ${what}`, { hint: limits.hint });
  const spend = (units: number): void => {
    work += units;
    if (work > limits.maxWork) {
      fail(
        'SIZE_LIMIT',
        `The document is too costly to parse: over ${limits.maxWork} units of work after ${elements} elements, ${attributes} attributes, ${declarations} namespace declarations, ${others} comments or CDATA sections and ${references} references`,
        { hint: limits.hint },
      );
    }
  };

  spend(Math.floor(length * WORK.characters));
  // Every `&` in text or attribute values starts a reference that xmldom decodes.
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    references++;
    spend(WORK.reference);
  }

  let at = text.indexOf('<');
  while (at !== -1) {
    const next = text.charCodeAt(at + 1);
    let end: number;
    if (next === BANG && text.startsWith('!--', at + 1)) {
      others++;
      spend(WORK.comment);
      // Look for the end only as far as the comment budget reaches: a 4 MiB comment costs no more
      // to refuse than one just over the cap.
      const room = limits.maxCommentLength - commentLength;
      const found = text.slice(at + 4, at + room + 3).indexOf('-->');
      end = found === -1 ? -1 : at + 4 + found;
      if ((end === -1 ? Math.min(length, at + room + 3) : end) - at > room) {
        over('characters in comments', limits.maxCommentLength);
      }
      commentLength += (end === -1 ? length : end) - at;
      if (end !== -1) end += 2;
    } else if (next === BANG && text.startsWith('![CDATA[', at + 1)) {
      others++;
      spend(WORK.cdata);
      end = text.indexOf(']]>', at + 9);
      if (end !== -1) end += 2;
    } else if (next === QUESTION) {
      others++;
      spend(WORK.instruction);
      end = text.indexOf('?>', at + 2);
      if (end !== -1) end += 1;
    } else if (next === BANG) {
      // A declaration (`<!DOCTYPE` is refused before this runs): xmldom stops at it.
      others++;
      spend(WORK.instruction);
      end = text.indexOf('>', at + 2);
    } else if (next === SLASH) {
      endTags++;
      if (depth > 0) depth--;
      end = text.indexOf('>', at + 2);
      spend(WORK.endTag + Math.floor(((end === -1 ? length : end) - at) * WORK.tagCharacters));
    } else {
      elements++;
      end = -1;
      let count = 0;
      let declared = 0;
      let nameStart = -1;
      let afterSpace = false;
      let afterEquals = false;
      for (let i = at + 1; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code === GT) {
          end = i;
          break;
        }
        if (code === LT) {
          // Not well-formed (xmldom will say so); the `<` is counted as the next tag all the same.
          end = i - 1;
          break;
        }
        if (isSpace(code)) {
          afterSpace = true;
          continue;
        }
        if (code === EQUALS) {
          // One `=` outside quotes per attribute: an upper bound of the attributes xmldom builds.
          if (++count > limits.maxAttributesPerElement)
            over('attributes on one element', limits.maxAttributesPerElement);
          if (nameStart !== -1 && text.startsWith('xmlns', nameStart)) declared++;
          nameStart = -1;
          afterEquals = true;
          continue;
        }
        if (afterEquals && (code === QUOTE || code === APOSTROPHE)) {
          // An attribute value may hold `>`, `/`, `=` and `<` (refused by xmldom): skip to its end.
          const close = text.indexOf(code === QUOTE ? '"' : "'", i + 1);
          if (close === -1) break;
          i = close;
          afterSpace = true; // a name may start right after the quote
          afterEquals = false;
          continue;
        }
        if (afterSpace) nameStart = i;
        afterSpace = false;
        afterEquals = false;
      }
      attributes += count;
      declarations += declared;
      spend(
        WORK.element +
          count * WORK.attribute +
          declared * WORK.namespaceDeclaration +
          Math.floor(((end === -1 ? length : end) - at) * WORK.tagCharacters),
      );
      // The element sits one level below the open ones; `<a>`, or a tag cut short, opens that level.
      if (depth + 1 > limits.maxDepth) over('levels of nesting', limits.maxDepth);
      if (depth + 1 > deepest) deepest = depth + 1;
      if (end === -1 || text.charCodeAt(end - 1) !== SLASH) depth++;
    }
    if (end === -1) break;
    at = text.indexOf('<', end + 1);
    // Characters between two tags are a text node (white space too).
    if (at > end + 1) {
      texts++;
      spend(WORK.text);
    }
  }
  return {
    elements,
    endTags,
    attributes,
    namespaceDeclarations: declarations,
    texts,
    otherNodes: others,
    commentLength,
    references,
    depth: deepest,
    work,
  };
}
