/**
 * Loads data for a component: loading and error states, a reload, and cancellation when the
 * component unmounts or its inputs change (the call's signal aborts; its request is dropped).
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { appErrorOf, type AppErrorInfo } from '../errors/app-error';

export interface QueryState<T> {
  data: T | undefined;
  error: AppErrorInfo | null;
  loading: boolean;
  reload: () => void;
  /** Shows `data` as if it had been loaded (a mutation's answer), dropping a load on its way. */
  replace: (data: T) => void;
}

export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): QueryState<T> {
  const [state, setState] = useState<Omit<QueryState<T>, 'reload' | 'replace'>>({ data: undefined, error: null, loading: true });
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    inFlight.current = controller;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: unknown) => !controller.signal.aborted && setState((previous) => ({ ...previous, error: appErrorOf(error), loading: false })),
    );
    return () => controller.abort();
    // The caller's deps decide when to reload; `load` itself is read from a ref.
  }, [...deps, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  const replace = useCallback((data: T) => {
    // A load still on its way was asked before this answer: it must not overwrite it.
    inFlight.current?.abort();
    setState({ data, error: null, loading: false });
  }, []);
  return { ...state, reload, replace };
}
