import { compile } from 'html-to-text';

/**
 * The readable text of an email's HTML, for what needs plain text (search, list previews, the
 * message's `content`): no line wrapping, link targets and images left out, as a person reads it.
 */
export const htmlToPlainText: (html: string) => string = compile({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
  ],
});
