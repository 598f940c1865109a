import express, { Router } from 'express';
import path from 'node:path';
import swaggerUiDist from 'swagger-ui-dist';
import { repoRoot } from '../lib/paths.js';

const SPEC = path.join(repoRoot, 'openapi', 'openapi.yaml');

/** The OpenAPI document (`/api/docs/openapi.yaml`) and Swagger UI over it (`/api/docs`). */
export function docsRouter(): Router {
  const router = Router();
  router.get('/openapi.yaml', (_req, res) => res.type('application/yaml').sendFile(SPEC));
  router.get('/init.js', (_req, res) =>
    res.type('application/javascript').send(`window.onload = () => { window.ui = SwaggerUIBundle({ url: './openapi.yaml', dom_id: '#swagger-ui', validatorUrl: null }); };`),
  );
  router.get('/', (req, res, next) => {
    if (!req.originalUrl.endsWith('/')) return res.redirect(301, `${req.originalUrl}/`);
    next();
  });
  router.get('/', (_req, res) =>
    res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LeadChat API</title>
<link rel="stylesheet" href="./swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="./swagger-ui-bundle.js"></script><script src="./init.js"></script></body></html>`),
  );
  router.use(express.static(swaggerUiDist.getAbsoluteFSPath(), { index: false }));
  return router;
}
