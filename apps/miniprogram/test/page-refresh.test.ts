/**
 * usePageRefresh: a shop page reloads when shown again, but not at its first show (the page's own
 * load), nor while busy: loading already, or its own calls on it (订单详情 back from WeChat's
 * cashier, which shows the page again while the payment asks the server itself). Pull-down
 * always reloads. Played without a renderer: React's useRef and Taro's page hooks stand in.
 */
import { describe, expect, it, vi } from 'vitest';
import { usePageRefresh } from '../src/shop/use-page-refresh';

/** One mounted page: its refs, kept across renders by call order, and its latest page hooks. */
const page = vi.hoisted(() => ({
  refs: [] as Array<{ current: unknown }>,
  slot: 0,
  didShow: (): void => undefined,
  pullDown: (): void => undefined,
}));
vi.mock('react', () => ({
  useRef: (initial: unknown) => (page.refs[page.slot++] ??= { current: initial }),
}));
vi.mock('@tarojs/taro', () => ({
  default: { stopPullDownRefresh: vi.fn(() => Promise.resolve()) },
  // Taro calls the latest callback a page registered.
  useDidShow: (callback: () => void) => {
    page.didShow = callback;
  },
  usePullDownRefresh: (callback: () => void) => {
    page.pullDown = callback;
  },
}));

function render(reload: () => void, busy: boolean): void {
  page.slot = 0;
  usePageRefresh(reload, busy);
}

describe('usePageRefresh', () => {
  it('reloads when the page is shown again, not at its first show nor while busy; pull-down always', () => {
    const reload = vi.fn();
    render(reload, true);
    page.didShow(); // the page opening: its own load
    expect(reload).not.toHaveBeenCalled();

    render(reload, false);
    page.didShow(); // back from another page
    expect(reload).toHaveBeenCalledTimes(1);

    render(reload, true);
    page.didShow(); // back from the cashier while the payment asks the server
    expect(reload).toHaveBeenCalledTimes(1);

    page.pullDown();
    expect(reload).toHaveBeenCalledTimes(2);
  });
});
