// The HTTP request log of a running LeadChat: one-time secrets that arrive in a query string (OAuth
// codes and states on the public callbacks) never reach a log line, in the URL or in the parsed query.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { createLogger } from '../../server/src/lib/logger.js';
import { createRuntime } from '../../server/src/runtime.js';
import { runtime as sharedRuntime, testConfig } from '../support/runtime.js';

describe('HTTP request log', () => {
  it('censors OAuth codes and states in the logged URL and query, and keeps the other parameters', async () => {
    await sharedRuntime();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }) });
    const rt = await createRuntime(testConfig({ LOG_LEVEL: 'info' }), { logger });
    rt.sequelize.close = async () => undefined;
    try {
      await supertest(rt.app).get('/microsoft/callback?code=0.SECRET-CODE-42&state=SECRET-STATE-43&session_state=visible-44');
      const logged = lines.filter((l) => l.includes('/microsoft/callback'));
      expect(logged, 'the request was logged').to.have.length.greaterThan(0);
      const out = logged.join('');
      expect(out).not.to.contain('SECRET-CODE-42');
      expect(out).not.to.contain('SECRET-STATE-43');
      expect(out).to.contain('visible-44');
    } finally {
      await rt.close();
    }
  });
});
