import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { validate } from '@readme/openapi-parser';
import { startTestApp, TestApp } from './support/app';
import { listRoutes } from './support/routes';

const SPEC_PATH = path.join(__dirname, '..', 'openapi.yaml');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** openapi.yaml and the running app must describe the same routes. */
describe('openapi.yaml', () => {
  let t: TestApp;
  const spec = yaml.load(fs.readFileSync(SPEC_PATH, 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(spec.openapi).toMatch(/^3\.1\./);
    const result = await validate(JSON.parse(JSON.stringify(spec)));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('documents every route the app serves, and nothing it does not', () => {
    const served = listRoutes(t.app)
      .filter((r) => !r.path.startsWith('/graphql') && !r.path.startsWith('/docs'))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
      .sort();
    const documented = Object.entries(spec.paths)
      .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(served);
  });
});
