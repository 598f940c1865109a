import { expect } from 'chai';
import { safeFilename } from '../../server/src/lib/filenames.js';

describe('safeFilename', () => {
  it('drops path segments, control characters and bidi overrides, and falls back when nothing is left', () => {
    expect(safeFilename('C:\\Users\\me\\report.pdf')).to.equal('report.pdf');
    expect(safeFilename('../../etc/passwd')).to.equal('passwd');
    expect(safeFilename('in\u0000vo\u0007ice\r\n.pdf')).to.equal('invoice.pdf');
    expect(safeFilename('photo\u202Egnp.exe')).to.equal('photognp.exe');
    expect(safeFilename('\u0000 ', 'attachment')).to.equal('attachment');
    expect(safeFilename(undefined)).to.equal('file');
  });

  it('cuts long names to 255 characters and keeps the extension', () => {
    const cut = safeFilename(`${'é'.repeat(400)}.xlsx`);
    expect(cut).to.have.length(255);
    expect(cut.endsWith('.xlsx')).to.equal(true);
    expect(safeFilename('a'.repeat(255))).to.equal('a'.repeat(255));
  });
});
