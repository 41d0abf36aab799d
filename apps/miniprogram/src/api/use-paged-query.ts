/**
 * Loads a cursor-paged list for a page: the first page (with loading and error states), the next
 * page when the user reaches the bottom, and a refresh (pull to refresh, or coming back to the
 * page). What is in flight is cancelled when the page unmounts or its inputs change (a tab), and
 * an answer to a superseded load is dropped.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { appErrorOf, type AppErrorInfo } from '../errors/app-error';
import { emptyPagedList, hasMore, withFirstPage, withNextPage, type Page, type PagedList } from './paged-list';

export interface PagedQueryState<T> {
  items: T[];
  /** The first page has arrived (an empty list is then really empty). */
  loaded: boolean;
  /** The first page is on its way (not a refresh of a list on screen). */
  loading: boolean;
  /** The first page failed: nothing to show but the error. */
  error: AppErrorInfo | null;
  loadingMore: boolean;
  /** The next page failed: the list stays, with the error and a retry at its end. */
  moreError: AppErrorInfo | null;
  /** More pages follow. */
  hasMore: boolean;
  /**
   * Loads the first page again. Resolves when it has arrived, or to the error when it failed: a
   * failed refresh of a list on screen keeps the list, so the caller tells the user (a toast).
   */
  refresh: () => Promise<AppErrorInfo | null>;
  /** Loads the next page, unless one is on its way, none follows, or the first has not arrived. */
  loadMore: () => void;
}

export function usePagedQuery<T extends { id: number }>(
  load: (cursor: number | null, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
): PagedQueryState<T> {
  const [list, setList] = useState<PagedList<T>>(emptyPagedList);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<AppErrorInfo | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<AppErrorInfo | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const listRef = useRef(list);
  listRef.current = list;
  /** The load in force (first page or refresh); a next page belongs to it. */
  const current = useRef<AbortController | null>(null);
  const moreInFlight = useRef(false);
  const refreshing = useRef(false);

  const refresh = useCallback(async (): Promise<AppErrorInfo | null> => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    refreshing.current = true;
    moreInFlight.current = false;
    setLoadingMore(false);
    setMoreError(null);
    setLoading(!listRef.current.loaded);
    setError(null);
    try {
      const page = await loadRef.current(null, controller.signal);
      if (controller.signal.aborted) return null;
      setList(withFirstPage(page));
      return null;
    } catch (caught) {
      if (controller.signal.aborted) return null;
      // A failed refresh of a list on screen keeps the list; only a first load shows the error alone.
      const failure = appErrorOf(caught);
      setError(failure);
      return failure;
    } finally {
      if (!controller.signal.aborted) {
        refreshing.current = false;
        setLoading(false);
      }
    }
  }, []);

  const loadMore = useCallback(() => {
    const controller = current.current;
    const shown = listRef.current;
    if (!controller || controller.signal.aborted || refreshing.current || moreInFlight.current || !hasMore(shown)) return;
    moreInFlight.current = true;
    setLoadingMore(true);
    setMoreError(null);
    loadRef.current(shown.nextCursor, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        moreInFlight.current = false;
        setLoadingMore(false);
        setList((previous) => withNextPage(previous, page));
      },
      (caught: unknown) => {
        if (controller.signal.aborted) return;
        moreInFlight.current = false;
        setLoadingMore(false);
        setMoreError(appErrorOf(caught));
      },
    );
  }, []);

  useEffect(() => {
    // New inputs (another tab): start from an empty list, not the previous one's.
    setList(emptyPagedList());
    listRef.current = emptyPagedList();
    void refresh();
    return () => current.current?.abort();
    // The caller's deps decide when to start over; `load` itself is read from a ref.
  }, deps);

  return {
    items: list.items,
    loaded: list.loaded,
    loading,
    error: list.loaded ? null : error,
    loadingMore,
    moreError,
    hasMore: hasMore(list),
    refresh,
    loadMore,
  };
}
