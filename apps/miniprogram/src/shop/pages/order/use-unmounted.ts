import { useEffect, useRef } from 'react';

/**
 * Whether the page has gone (unmounted), for the order page's long-running confirmations: their
 * polling stops and their answers are dropped once the user has left.
 */
export function useUnmounted(): { readonly current: boolean } {
  const gone = useRef(false);
  useEffect(() => {
    gone.current = false;
    return () => {
      gone.current = true;
    };
  }, []);
  return gone;
}
