/**
 * HTML with escaping by construction: the `html` tag escapes every interpolated string, so a page
 * can only contain markup written in this source. Values from the IdP, the URL or a form (names,
 * emails, error hints, SAML fields) are always interpolated, never concatenated.
 */
import { createHash } from 'node:crypto';

const MARKUP: unique symbol = Symbol('markup');

/** Markup that is safe to send: made by {@link html} only. */
export interface Html {
  readonly [MARKUP]: string;
}

/** What may be interpolated: text (escaped), markup, lists of markup, or nothing. */
export type HtmlValue = string | number | Html | readonly Html[] | false | null | undefined;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && MARKUP in value;
}

function render(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  if (isHtml(value)) return value[MARKUP];
  return value.map((item) => item[MARKUP]).join('');
}

/** The template tag: `html\`<p>${userText}</p>\`` escapes `userText`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return { [MARKUP]: out };
}

/** The markup as a string, to send. */
export function toString(markup: Html): string {
  return markup[MARKUP];
}

// One small stylesheet, inline so the example needs no static files; its hash goes into the CSP.
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#222}
input,textarea,button{font:inherit}input,textarea{width:100%;box-sizing:border-box;padding:.4rem}
button{padding:.4rem 1rem;margin-top:.5rem}code,pre{background:#f4f4f4;padding:.1rem .3rem;overflow-wrap:anywhere}
pre{white-space:pre-wrap;padding:.5rem}.error{color:#a00}.note{color:#555;font-size:.9em}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
body.wide{max-width:62rem}section{border:1px solid #ccc;border-radius:6px;padding:0 1rem 1rem;margin:1.25rem 0}
.tabs{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;padding:0;margin:.5rem 0;border-bottom:2px solid #1a4e8a}
.tabs a{display:block;padding:.35rem .8rem;border:1px solid #bbb;border-bottom:none;border-radius:4px 4px 0 0;color:#1a4e8a;text-decoration:none}
.tabs a[aria-current=page]{background:#1a4e8a;color:#fff;border-color:#1a4e8a}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85em;border:1px solid currentColor}
.ok{color:#17602a}.warn{color:#8a4b00}.fail{color:#a00}.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.copy{margin:0 0 0 .4rem;padding:.1rem .5rem;font-size:.85em}.inline{display:inline}
label{font-weight:600}fieldset{border:1px solid #ddd;margin:.5rem 0}select{font:inherit;padding:.3rem}
button.primary{background:#1a4e8a;color:#fff;border:1px solid #1a4e8a;border-radius:4px}
button.danger{background:#fff;color:#a00;border:1px solid #a00;border-radius:4px}
.checklist{width:100%;table-layout:fixed}.checklist td{overflow-wrap:anywhere}
.w26{width:26%}.w9{width:9%}.w25{width:25%}.w40{width:40%}`;

/** The CSP source of the inline stylesheet. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

// The same script as samlkit's POST-binding page, so one hash allows both (see POST_FORM_SCRIPT_HASH).
const SUBMIT_SCRIPT = 'document.forms[0].submit();';

/** The CSP source of {@link autoSubmit}. */
export const SUBMIT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

// Copy buttons: a button with data-copy="<id>" copies that element's text. Without JavaScript the
// values stay selectable text; the status line tells screen readers what happened.
const COPY_SCRIPT =
  "document.addEventListener('click',function(e){var b=e.target.closest&&e.target.closest('[data-copy]');if(!b)return;var t=document.getElementById(b.getAttribute('data-copy'));if(!t||!navigator.clipboard)return;navigator.clipboard.writeText(t.textContent.trim()).then(function(){var s=document.getElementById('copy-status');if(s)s.textContent='Copied '+b.getAttribute('aria-label').replace(/^Copy /,'')+'.';})});";

/** The CSP source of {@link copyScript}. */
export const COPY_SCRIPT_HASH = `'sha256-${createHash('sha256').update(COPY_SCRIPT).digest('base64')}'`;

/** The copy buttons' script (see `data-copy`). */
export const copyScript: Html = { [MARKUP]: `<script>${COPY_SCRIPT}</script>` };

/** Submits the page's first form on load (the HTTP-POST binding); keep a submit button for no-JS. */
export const autoSubmit: Html = { [MARKUP]: `<script>${SUBMIT_SCRIPT}</script>` };

// Whole, so that no formatting of the template below can change the hashed text.
const styleElement: Html = { [MARKUP]: `<style>${STYLE}</style>` };

/** A complete page around `body`; `wide` for pages with tables side by side (the SSO settings). */
export function layout(title: string, body: Html, wide = false): Html {
  return html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        ${styleElement}
      </head>
      <body class="${wide ? 'wide' : ''}">
        ${body}
      </body>
    </html> `;
}
