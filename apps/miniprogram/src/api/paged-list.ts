/**
 * A list read page by page through a cursor (the shop's catalog.list and order.list: each page
 * says where the next starts, `nextCursor`, null after the last). Pure state changes, so the rules
 * are tested without React: a refresh replaces what was there, a next page is appended, and an
 * entry that moved between pages while the user scrolled (a new order pushes the others down) is
 * shown once.
 */
export interface Page<T> {
  items: T[];
  nextCursor: number | null;
}

export interface PagedList<T> {
  items: T[];
  /** Where the next page starts; null when there is none. */
  nextCursor: number | null;
  /** Whether the first page has arrived (until then there is nothing to show, not an empty list). */
  loaded: boolean;
}

export const emptyPagedList = <T>(): PagedList<T> => ({ items: [], nextCursor: null, loaded: false });

/** The first page, by a first load or a refresh: what was shown before is replaced. */
export function withFirstPage<T>(page: Page<T>): PagedList<T> {
  return { items: page.items, nextCursor: page.nextCursor, loaded: true };
}

/** The next page appended; entries already shown (by id) are not shown twice. */
export function withNextPage<T extends { id: number }>(list: PagedList<T>, page: Page<T>): PagedList<T> {
  const shown = new Set(list.items.map((item) => item.id));
  return { items: [...list.items, ...page.items.filter((item) => !shown.has(item.id))], nextCursor: page.nextCursor, loaded: true };
}

export function hasMore(list: PagedList<unknown>): boolean {
  return list.loaded && list.nextCursor !== null;
}
