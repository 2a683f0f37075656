// Used by the Prisma CLI only (generate, and migrate on machines that can fetch
// the schema engine). The service itself reads DATABASE_URL through its config.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
