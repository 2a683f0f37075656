import { bearer, settled, startTestApp, TestApp, until } from './support/app';
import { codes, gql } from './support/graphql';

describe('GraphQL API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('queries servers with nested fields', async () => {
    const r = await gql(t.app, t.admin, `{ servers(first: 3) { edges { cursor node { id name status pool { id name } image { id name } currentOperation { id } recentOperations { id } openFaults { id } } } pageInfo { hasNextPage endCursor } } }`);
    console.log(JSON.stringify(r, null, 1).slice(0, 3000));
    expect(r.status).toBe(200);
  });
});
