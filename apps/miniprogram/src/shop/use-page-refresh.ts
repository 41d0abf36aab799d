/**
 * Keeps what a shop page shows current: reloaded when the page is shown again (back from another
 * page, where an order or the stock may have changed) and on pull-down refresh. The first show is
 * the page opening, which loads anyway; a show while `busy` (loading already, or the page's own
 * calls on it) reloads nothing either.
 */
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro';
import { useRef } from 'react';

export function usePageRefresh(reload: () => void, busy: boolean): void {
  const shown = useRef(false);
  useDidShow(() => {
    if (shown.current && !busy) reload();
    shown.current = true;
  });
  usePullDownRefresh(() => {
    reload();
    void Taro.stopPullDownRefresh();
  });
}
