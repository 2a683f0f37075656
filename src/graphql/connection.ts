import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor: string | null;
}

/** Relay connection shape over the services' `{items, nextCursor}` pages. */
export function toConnection<T>(page: { items: T[]; nextCursor: string | null }, cursorOf: (item: T) => string) {
  return {
    edges: page.items.map((node) => ({ node, cursor: cursorOf(node) })),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
  };
}

/** Page sizes: `first` defaults to 50 and is capped at 100. */
export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;
