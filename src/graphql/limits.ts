import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  separateOperations,
} from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export interface Limits {
  maxDepth: number;
  maxComplexity: number;
}

/** Depth of the deepest field path of one operation, through fragments. Introspection
 *  fields (`__schema`, `__type`) are not counted: GRAPHQL_INTROSPECTION governs them. */
export function operationDepth(doc: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const ops: OperationDefinitionNode[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) ops.push(d);
  }
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return 0;
  const depth = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        max = Math.max(max, 1 + depth(sel.selectionSet, seen));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depth(sel.selectionSet, seen));
      } else {
        const f = fragments.get(sel.name.value);
        // A fragment cycle is a validation error reported by graphql itself.
        if (!f || seen.has(f.name.value)) continue;
        max = Math.max(max, depth(f.selectionSet, new Set(seen).add(f.name.value)));
      }
    }
    return max;
  };
  return depth(op.selectionSet, new Set());
}

/** Depth and complexity of a parsed operation: a list of errors (empty when within limits). */
export function checkLimits(schema: GraphQLSchema, doc: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | null | undefined, limits: Limits): GraphQLError[] {
  const depth = operationDepth(doc, operationName);
  if (depth > limits.maxDepth) {
    return [
      new GraphQLError(`Query depth ${depth} exceeds the maximum of ${limits.maxDepth}`, {
        extensions: { code: 'QUERY_TOO_DEEP', details: { depth, maxDepth: limits.maxDepth } },
      }),
    ];
  }
  let complexity: number;
  try {
    const query = operationName ? separateOperations(doc)[operationName] ?? doc : doc;
    complexity = getComplexity({
      schema,
      query,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    return []; // invalid operations are reported by validation
  }
  if (complexity > limits.maxComplexity) {
    return [
      new GraphQLError(`Query complexity ${complexity} exceeds the maximum of ${limits.maxComplexity}; request fewer items (first) or fewer nested lists`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', details: { complexity, maxComplexity: limits.maxComplexity } },
      }),
    ];
  }
  return [];
}

/** Enforces the limits on HTTP, once the operation is parsed and validated. */
export function limitsPlugin(limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName, operation }) {
          // Subscriptions are served over graphql-ws only; over HTTP they would fail as INTERNAL.
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws protocol) at /graphql', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          const errors = checkLimits(schema, document, request.variables, operationName, limits);
          // A refused request, not a failed execution: HTTP 400 like other validation errors.
          if (errors.length) throw new GraphQLError(errors[0].message, { extensions: { ...errors[0].extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
