import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../server/src/lib/paths.js';
import { http, runtime } from '../support/runtime.js';
import { registeredRoutes } from '../../scripts/route-list.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: unknown[]; responses?: Record<string, unknown>; security?: unknown[] }> & { parameters?: unknown[] }>;
  components: Record<string, Record<string, unknown>>;
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENTED_PREFIXES = ['/api/v1', '/api/v2', '/platform/api/v1', '/public/api/v1'];

const doc = parseYaml(readFileSync(path.join(repoRoot, 'openapi', 'openapi.yaml'), 'utf8')) as Doc;

/** Documented operations; those of an extension (`x-leadchat-extension`) only when it is loaded. */
function documented(extensions: string[]): string[] {
  return Object.entries(doc.paths)
    .filter(([, item]) => {
      const extension = (item as { 'x-leadchat-extension'?: string })['x-leadchat-extension'];
      return !extension || extensions.includes(extension);
    })
    .flatMap(([p, item]) => Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${p}`));
}

/** Resolves a local `$ref` (`#/components/...`) or returns the object itself. */
function deref<T>(value: T): T {
  const ref = (value as { $ref?: string })?.$ref;
  if (!ref) return value;
  const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  return target as T;
}

describe('OpenAPI document', () => {
  it('is an OpenAPI 3.1 document with the token, cookie and platform security schemes and the error envelope', () => {
    expect(doc.openapi).to.match(/^3\.1\./);
    expect(doc.components.securitySchemes).to.have.all.keys('userToken', 'sessionCookie', 'platformToken');
    expect(doc.components.securitySchemes.userToken).to.include({ type: 'apiKey', in: 'header', name: 'api_access_token' });
    const error = doc.components.schemas.Error as { required: string[]; properties: Record<string, unknown> };
    expect(error.required).to.have.members(['message', 'code', 'correlation_id', 'error']);
    expect(error.properties).to.include.keys('fields', 'attributes');
  });

  it('documents every route registered under /api/v1, /platform/api/v1 and /public/api/v1, and nothing that does not exist', async () => {
    const rt = await runtime();
    const all = registeredRoutes(rt.registries, rt.app);
    expect(all, 'app routes found by the walker').to.include.members(['POST /auth/sign_in', 'GET /api/v1/profile', 'GET /healthz', 'GET /api']);
    const inApp = all.filter((r) => DOCUMENTED_PREFIXES.some((prefix) => r.split(' ')[1]!.startsWith(prefix)) || /^\w+ (\/auth\/|\/healthz|\/api$)/.test(r));
    const inDoc = documented(rt.config.EXTENSIONS).sort();
    expect(inApp.filter((r) => !inDoc.includes(r)), 'routes missing from openapi/openapi.yaml').to.deep.equal([]);
    expect(inDoc.filter((r) => !inApp.includes(r)), 'documented routes the app does not have').to.deep.equal([]);
  });

  it('declares every path parameter, a response and resolvable references for every operation', () => {
    const problems: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) {
        const op = item[method];
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((x) => deref(x) as { name: string; in: string });
        for (const [, name] of p.matchAll(/\{(\w+)\}/g)) {
          if (!params.some((x) => x?.in === 'path' && x.name === name)) problems.push(`${method.toUpperCase()} ${p}: path parameter ${name} is not declared`);
        }
        if (!op.responses || !Object.keys(op.responses).some((code) => /^[23]/.test(code))) problems.push(`${method.toUpperCase()} ${p}: no success or redirect response`);
      }
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs.map((r) => r.slice(8, -1)))) {
      if (deref({ $ref: ref }) === undefined) problems.push(`unresolvable $ref ${ref}`);
    }
    expect(problems).to.deep.equal([]);
  });

  it('marks Platform API operations with the platform token and public ones with no security', () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) {
        const security = item[method].security;
        if (p.startsWith('/platform/')) expect(security, `${method} ${p}`).to.deep.equal([{ platformToken: [] }]);
        if (p.startsWith('/public/')) expect(security, `${method} ${p}`).to.deep.equal([]);
      }
    }
    expect(doc.paths['/healthz'].get.security).to.deep.equal([]);
    expect(doc.paths['/auth/sign_in'].post.security).to.deep.equal([]);
  });

  it('is served at /api/docs/openapi.yaml, with Swagger UI at /api/docs/', async () => {
    const api = await http();
    const yaml = await api.get('/api/docs/openapi.yaml').expect(200);
    expect(yaml.headers['content-type']).to.match(/yaml/);
    expect(parseYaml(yaml.text)).to.deep.equal(doc);

    const ui = await api.get('/api/docs/').expect(200);
    expect(ui.headers['content-type']).to.match(/^text\/html/);
    expect(ui.text).to.contain('swagger-ui');
    await api.get('/api/docs/swagger-ui-bundle.js').expect(200);
    await api.get('/api/docs').expect(301);
  });
});
