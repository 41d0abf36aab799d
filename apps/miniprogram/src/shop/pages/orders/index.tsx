/**
 * 我的订单: the signed-in user's orders, newest first, under a tab per state (全部 / 待支付 / 已支付 /
 * 已关闭 / 退款中 / 已退款, ORDER_STATUSES' order), page by page, pull to refresh. Back from an order
 * that was made, cancelled, paid or refunded meanwhile, the list reloads; otherwise it stays as it
 * was, scrolled pages included.
 */
import { ORDER_STATUS_LABELS, ORDER_STATUSES, type Order, type OrderStatus } from '@app/shared';
import { Text, View } from '@tarojs/components';
import Taro, { useDidShow, usePullDownRefresh, useReachBottom, useRouter } from '@tarojs/taro';
import { useRef, useState } from 'react';
import { listOrders, orderChanges } from '../../../api/shop';
import { usePagedQuery } from '../../../api/use-paged-query';
import { EmptyView } from '../../../components/EmptyView';
import { ErrorView } from '../../../components/ErrorView';
import { ListFooter } from '../../../components/ListFooter';
import { Loading } from '../../../components/Loading';
import { SignInGate } from '../../../components/SignInGate';
import { toastText } from '../../../platform/toast';
import { errorToastText } from '../../../ui/error-text';
import { formatDateTime } from '../../../ui/format';
import { closeReasonText, orderItemsSummary, orderStatusText } from '../../../ui/shop-format';
import { Price } from '../../components/Price';
import './index.css';

type Tab = OrderStatus | 'ALL';
const TABS: { key: Tab; label: string }[] = [
  { key: 'ALL', label: '全部' },
  ...ORDER_STATUSES.map((status) => ({ key: status, label: ORDER_STATUS_LABELS[status] })),
];
const isTab = (value: string | undefined): value is Tab => TABS.some((tab) => tab.key === value);

const openOrder = (id: number) => void Taro.navigateTo({ url: `/shop/pages/order/index?id=${id}` });

function OrderCard({ order }: { order: Order }) {
  const reason = closeReasonText(order);
  return (
    <View className="card order-card" data-testid="order-card" onClick={() => openOrder(order.id)}>
      <View className="order-card__head">
        <Text className="muted">订单号 {order.id}</Text>
        <Text className={`order-card__status order-card__status--${order.status}`} data-testid="order-card-status">
          {reason ? `${orderStatusText(order)} · ${reason}` : orderStatusText(order)}
        </Text>
      </View>
      <Text className="order-card__items" data-testid="order-card-items">
        {orderItemsSummary(order.items)}
      </Text>
      <View className="order-card__foot">
        <Text className="muted">{formatDateTime(order.createdAt)}</Text>
        <View className="order-card__total">
          <Text className="muted order-card__total-label">合计</Text>
          <Price fen={order.totalFen} />
        </View>
      </View>
    </View>
  );
}

function Orders() {
  const initial = useRouter().params.status;
  const [tab, setTab] = useState<Tab>(isTab(initial) ? initial : 'ALL');
  const list = usePagedQuery((cursor, signal) => listOrders(tab === 'ALL' ? undefined : tab, cursor, signal), [tab]);
  // Orders changed by this app since this list loaded: load it again when the user comes back.
  const seen = useRef(orderChanges.count);
  const refresh = async () => {
    seen.current = orderChanges.count;
    const failure = await list.refresh();
    if (failure && list.loaded) toastText(errorToastText(failure));
  };
  useDidShow(() => {
    if (seen.current !== orderChanges.count) void refresh();
  });
  usePullDownRefresh(() => {
    void refresh().finally(() => void Taro.stopPullDownRefresh());
  });
  useReachBottom(list.loadMore);

  let content;
  if (!list.loaded) {
    content = list.error ? <ErrorView title="订单加载失败" error={list.error} onRetry={() => void refresh()} /> : <Loading />;
  } else if (list.items.length === 0) {
    content = (
      <EmptyView
        title={tab === 'ALL' ? '还没有订单' : `没有${TABS.find((t) => t.key === tab)?.label ?? ''}的订单`}
        actionText="去逛逛"
        onAction={() => void Taro.navigateTo({ url: '/shop/pages/products/index' })}
      />
    );
  } else {
    content = (
      <>
        {list.items.map((order) => (
          <OrderCard key={order.id} order={order} />
        ))}
        <ListFooter loadingMore={list.loadingMore} hasMore={list.hasMore} error={list.moreError} onLoadMore={list.loadMore} />
      </>
    );
  }

  return (
    <View className="orders">
      <View className="orders__tabs" role="tablist">
        {TABS.map(({ key, label }) => (
          <View
            key={key}
            className={`orders__tab${key === tab ? ' orders__tab--active' : ''}`}
            role="tab"
            aria-selected={key === tab}
            data-testid={`order-tab-${key}`}
            onClick={() => setTab(key)}
          >
            <Text>{label}</Text>
          </View>
        ))}
      </View>
      <View className="page orders__list">{content}</View>
    </View>
  );
}

export default function OrdersPage() {
  return (
    <SignInGate>
      <Orders />
    </SignInGate>
  );
}
