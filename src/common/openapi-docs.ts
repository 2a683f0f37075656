import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import yaml from 'js-yaml';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** openapi.yaml sits at the project root: two levels up from src/common (ts) or three from dist/src/common. */
export function findOpenApiFile(from = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const f = path.join(dir, 'openapi.yaml');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/** Swagger UI at /docs over the hand-written contract (and the raw document at
 *  /docs/openapi.json, /docs/openapi.yaml). Served outside the controllers, so
 *  it is public and not part of the route drift check. */
export function mountDocs(app: INestApplication): void {
  const file = findOpenApiFile();
  if (!file) return;
  const document = yaml.load(fs.readFileSync(file, 'utf8')) as OpenAPIObject;
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    customSiteTitle: 'Lite Server control plane API',
    swaggerOptions: { persistAuthorization: true },
  });
}
