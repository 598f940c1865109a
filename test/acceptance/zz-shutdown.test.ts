// The last file of the acceptance group: Ctrl-C stops the `npm start` every earlier file walked.
import { expect } from 'chai';
import { startedProduct } from './support/product.js';

describe('acceptance: Ctrl-C stops `npm start`', function () {
  this.timeout(60_000);

  it('stops LeadChat and its sandbox cleanly', async function () {
    const running = startedProduct();
    if (!running) this.skip();
    const product = await running!;
    await product.stop();
    expect(product.output(), 'Ctrl-C stops LeadChat cleanly').to.match(/"msg":"stopped"/);
    expect(product.output(), 'Ctrl-C stops the sandbox').to.match(/"msg":"stopping sandbox"/);
  });
});
