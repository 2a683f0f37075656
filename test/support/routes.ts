import type { INestApplication } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { PERMISSION_KEY, PUBLIC_KEY } from '../../src/auth/decorators';

export interface RouteInfo {
  method: string;
  /** OpenAPI-style path: /v1/servers/{id} */
  path: string;
  permission: string | undefined;
  isPublic: boolean;
  controller: string;
  handler: string;
}

const join = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;

/** Every REST route the running application mounts, read from Nest's metadata. */
export function listRoutes(app: INestApplication): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as (new (...a: unknown[]) => unknown) | undefined;
      if (!cls) continue;
      const base: string = Reflect.getMetadata(PATH_METADATA, cls) ?? '';
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = cls.prototype[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const sub: string | undefined = Reflect.getMetadata(PATH_METADATA, fn);
        const method: number | undefined = Reflect.getMetadata(METHOD_METADATA, fn);
        if (sub === undefined || method === undefined) continue;
        const subs = Array.isArray(sub) ? sub : [sub];
        for (const s of subs) {
          routes.push({
            method: RequestMethod[method].toLowerCase(),
            path: join(base, s).replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
            permission: Reflect.getMetadata(PERMISSION_KEY, fn) ?? Reflect.getMetadata(PERMISSION_KEY, cls),
            isPublic: Boolean(Reflect.getMetadata(PUBLIC_KEY, fn) ?? Reflect.getMetadata(PUBLIC_KEY, cls)),
            controller: cls.name,
            handler: name,
          });
        }
      }
    }
  }
  return routes;
}
