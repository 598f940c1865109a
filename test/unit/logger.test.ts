import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger, withCorrelation } from '../../server/src/lib/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('logger', () => {
  it('redacts tokens and passwords wherever they appear', () => {
    const { lines, logger } = capture();
    logger.info({ access_token: 'AT-123', user: { password: 'pw-456' }, tokens: { refresh_token: 'RT-789' }, req: { headers: { authorization: 'Bearer X-1', api_access_token: 'api-2' } } }, 'hello');
    const out = lines.join('');
    for (const secret of ['AT-123', 'pw-456', 'RT-789', 'Bearer X-1', 'api-2']) expect(out).not.to.contain(secret);
    expect(out).to.contain('[redacted]');
  });

  it('stamps every line with the correlation id of the request or job it belongs to', () => {
    const { lines, logger } = capture();
    withCorrelation('req-42', () => logger.child({ component: 'x' }).info('inside'));
    logger.info('outside');
    expect(JSON.parse(lines[0]).correlationId).to.equal('req-42');
    expect(JSON.parse(lines[1])).not.to.have.property('correlationId');
  });
});

describe('loggableUrl', () => {
  it('censors one-time secrets in the query and keeps the rest', async () => {
    const { loggableUrl } = await import('../../server/src/lib/logger.js');
    expect(loggableUrl('/microsoft/callback?code=0.AXo-secret&state=abc.def&session_state=x')).to.equal('/microsoft/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&session_state=x');
    expect(loggableUrl('/api/v1/accounts/1/conversations?status=open')).to.equal('/api/v1/accounts/1/conversations?status=open');
  });
});
