// docker-compose.yml cannot be run here (no Docker): this reads it as Compose would (YAML with merge
// keys) and checks the scale-out layout, and that every environment value it sets passes the
// application's own configuration checks for the role it sets.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../server/src/config.js';

const root = path.resolve(import.meta.dirname, '..', '..');

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: string[];
  volumes?: string[];
  ports?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { services } = compose;

  it('runs two web processes and three workers from the image, behind a proxy that alone is published', () => {
    expect(services.web).to.include({ build: '.' });
    expect(services.web!.environment).to.include({ ROLE: 'web' });
    expect(services.web!.deploy?.replicas).to.equal(2);
    expect(services.worker!.environment).to.include({ ROLE: 'worker' });
    expect(services.worker!.deploy?.replicas).to.equal(3);
    expect(services.proxy!.depends_on).to.include('web');
    const published = Object.entries(services).filter(([, s]) => s.ports?.length).map(([name]) => name);
    expect(published).to.deep.equal(['proxy']);
    // Raw mail kept by a worker is read by the web processes: one shared volume.
    for (const role of ['web', 'worker']) {
      expect(services[role]!.volumes).to.include(`storage:${services[role]!.environment!.STORAGE_DIR}`);
      expect(services[role]!.depends_on).to.include.members(['postgres', 'redis']);
    }
    expect(compose.volumes).to.have.keys('pgdata', 'storage');
  });

  it('sets only values the configuration accepts, and points them at the compose services', () => {
    for (const role of ['web', 'worker']) {
      const env = { ...services[role]!.environment, ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, SESSION_SECRET: 'x'.repeat(40) };
      const config = loadConfig(env);
      expect(config.ROLE).to.equal(role);
      expect(new URL(config.DATABASE_URL).hostname).to.equal('postgres');
      expect(new URL(config.REDIS_URL).hostname).to.equal('redis');
    }
  });

  it('proxies to every web replica without buffering the live-update stream', () => {
    const volume = services.proxy!.volumes!.find((v) => v.startsWith('./'))!;
    const conf = fs.readFileSync(path.join(root, volume.split(':')[0]!), 'utf8');
    expect(conf).to.match(/server web:3000;/);
    expect(conf).to.match(/proxy_pass http:\/\/leadchat_web;/);
    expect(conf).to.match(/proxy_buffering off;/);
  });
});
