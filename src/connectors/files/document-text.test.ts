import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentKind, extractDocument, markdownTitle } from './document-text.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('documentKind', () => {
  it('knows Markdown, text and HTML by extension, case-insensitively', () => {
    assert.equal(documentKind('a.md'), 'text');
    assert.equal(documentKind('dir/A.MARKDOWN'), 'text');
    assert.equal(documentKind('notes.txt'), 'text');
    assert.equal(documentKind('page.HTML'), 'html');
    assert.equal(documentKind('page.htm'), 'html');
  });

  it('does not know anything else', () => {
    for (const path of ['a.pdf', 'a.docx', 'Makefile', 'a.md.bak', 'a.js', 'dir.md/x']) {
      assert.equal(documentKind(path), undefined, path);
    }
  });
});

describe('markdown and text', () => {
  it('takes the first level-1 heading as title and keeps the text as written', () => {
    const source = 'intro line\n## Not this\n#   Leave policy  ##\n\nbody\n# Second\n';
    const doc = extractDocument('hr/leave.md', bytes(source));
    assert.equal(doc.title, 'Leave policy');
    assert.equal(doc.text, source);
  });

  it('ignores headings inside fenced code', () => {
    assert.equal(markdownTitle('```sh\n# not a title\n```\n# Real\n'), 'Real');
    assert.equal(markdownTitle('~~~\n# no\n~~~'), undefined);
    assert.equal(markdownTitle('#hashtag\n#\n'), undefined);
  });

  it('falls back to the file name', () => {
    assert.equal(extractDocument('dir/notes.txt', bytes('just text')).title, 'notes.txt');
  });

  it('drops a BOM and NUL characters', () => {
    const doc = extractDocument('a.txt', new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x00, 0x69]));
    assert.equal(doc.text, 'hi');
  });
});

describe('html', () => {
  it('uses the title element and keeps only visible text', () => {
    const html = `<!doctype html><html><head><title> Quarterly  &amp; plan </title>
      <style>.x { color: red }</style><script>var secretScript = 1;</script></head>
      <body><h1>Heading</h1><p>Visible <b>words</b></p><!-- hidden comment -->
      <script>alert("inline")</script><noscript>noscript text</noscript><div>last</div></body></html>`;
    const doc = extractDocument('plan.html', bytes(html));
    assert.equal(doc.title, 'Quarterly & plan');
    assert.match(doc.text, /Heading/);
    assert.match(doc.text, /Visible words/);
    assert.match(doc.text, /last/);
    for (const hidden of ['secretScript', 'color: red', 'hidden comment', 'alert', 'noscript text', '<p>', 'Quarterly']) {
      assert.ok(!doc.text.includes(hidden), hidden);
    }
  });

  it('falls back to the first h1, then the file name', () => {
    assert.equal(extractDocument('a.htm', bytes('<body><h1>Only heading</h1></body>')).title, 'Only heading');
    assert.equal(extractDocument('dir/b.html', bytes('<p>no title</p>')).title, 'b.html');
  });

  it('refuses unsupported paths', () => {
    assert.throws(() => extractDocument('a.pdf', bytes('%PDF')), TypeError);
  });
});

describe('html doctype', () => {
  it('does not put the doctype into the text', () => {
    const doc = extractDocument('faq.html', bytes('<!DOCTYPE html>\n<html><head><title>FAQ</title></head><body><p>Paid in 30 days.</p></body></html>'));
    assert.equal(doc.title, 'FAQ');
    assert.doesNotMatch(doc.text, /doctype/i);
    assert.match(doc.text, /Paid in 30 days/);
  });
});
