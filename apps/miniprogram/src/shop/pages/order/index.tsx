/**
 * 订单详情: the order's state, lines and total (the server's), and for an unpaid order the time
 * left before it closes by itself, 去支付 (then 支付中 until the server says 已支付, use-payment.ts)
 * and 取消订单 (after a confirmation); for a paid one 申请退款 (then 退款中 until the server says
 * 已退款, use-refund.ts). At 00:00 it asks the server
 * again: the server closes the order (its sweeper runs every few seconds), and until its answer
 * says closed, the page asks again, less and less often.
 */
import type { Order } from '@app/shared';
import { Button, Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { cancelOrder, getOrder } from '../../../api/shop';
import { useQuery } from '../../../api/use-query';
import { ErrorView } from '../../../components/ErrorView';
import { Loading } from '../../../components/Loading';
import { SignInGate } from '../../../components/SignInGate';
import { appCodeOf, clientError } from '../../../errors/app-error';
import { toastSuccess } from '../../../platform/toast';
import { busyProps } from '../../../ui/busy';
import { formatDateTime } from '../../../ui/format';
import { idParam } from '../../../ui/route-params';
import { closeReasonText, orderStatusText, remainingMs } from '../../../ui/shop-format';
import { toastError } from '../../../ui/toast-error';
import { Price } from '../../components/Price';
import { usePageRefresh } from '../../use-page-refresh';
import { Countdown } from './Countdown';
import { paymentNoteText, usePayment } from './use-payment';
import { refundNoteText, useRefund } from './use-refund';
import { InfoRow } from '../../../components/InfoRow';
import './index.css';

/** Past the deadline and still unpaid on the server: ask again after 2 s, 4 s, 8 s … at most 30 s apart, 10 times. */
const RECHECK_FIRST_MS = 2_000;
const RECHECK_MAX_MS = 30_000;
const RECHECKS = 10;

interface OrderViewProps {
  order: Order;
  onChanged: (order: Order) => void;
  reload: () => void;
  /** Whether the payment's or the refund's own calls are on the order. */
  onBusy: (busy: boolean) => void;
}

function OrderView({ order, onChanged, reload, onBusy }: OrderViewProps) {
  const [cancelling, setCancelling] = useState(false);
  const pending = order.status === 'PENDING_PAYMENT';
  const payment = usePayment(order, onChanged, reload);
  // Back from the cashier and not yet confirmed by the server.
  const paying = pending && (payment.state.kind === 'confirming' || payment.state.kind === 'unconfirmed');
  const payNote = pending ? paymentNoteText(payment.state) : null;
  const canPay = pending && !paying && payment.state.kind !== 'disabled' && payment.state.kind !== 'unsupported';
  const refund = useRefund(order, onChanged, reload);
  const refundNote = refundNoteText(order, refund.state);
  // The cashier open, or the server being asked about the payment or the refund.
  const busy = payment.state.kind === 'starting' || payment.state.kind === 'confirming' || refund.state.kind === 'confirming';
  useEffect(() => onBusy(busy), [busy]);

  const cancel = async () => {
    const { confirm } = await Taro.showModal({
      title: '取消订单',
      content: '确定取消这个订单吗？取消后商品库存将释放。',
      confirmText: '取消订单',
      cancelText: '再想想',
    });
    if (!confirm) return;
    setCancelling(true);
    try {
      onChanged(await cancelOrder(order.id));
      toastSuccess('订单已取消');
    } catch (error) {
      toastError(error);
      // Paid or closed meanwhile: show what it is now.
      if (appCodeOf(error) === 'ORDER_STATE_CONFLICT') reload();
    } finally {
      setCancelling(false);
    }
  };

  return (
    <View className="page order">
      <View className={`card order__state order__state--${order.status}`}>
        <Text className="order__status" data-testid="order-status">
          {paying ? '支付中' : orderStatusText(order)}
        </Text>
        {payNote && (
          <Text className={`order__pay-note order__pay-note--${payment.state.kind}`} data-testid="pay-note">
            {payNote}
          </Text>
        )}
        {refundNote && (
          <Text className="order__pay-note" data-testid="refund-note">
            {refundNote}
          </Text>
        )}
        {pending && !paying && (
          <View className="order__deadline">
            <Text>剩余支付时间 </Text>
            <Countdown deadline={order.expiresAt} onEnd={reload} />
            <Text className="order__deadline-hint">超时未支付，订单将自动关闭</Text>
          </View>
        )}
        {order.status === 'CLOSED' && (
          <Text className="muted order__closed" data-testid="order-close-reason">
            {closeReasonText(order) ?? '订单已关闭'}
            {order.closedAt ? ` · ${formatDateTime(order.closedAt)}` : ''}
          </Text>
        )}
      </View>

      <View className="card">
        <Text className="card__title">商品</Text>
        {order.items.map((item) => (
          <View key={item.productId} className="order__line" data-testid="order-line">
            <View className="order__line-text">
              <Text className="order__line-title">{item.title}</Text>
              <Text className="muted">
                <Price fen={item.unitPriceFen} size="small" /> × {item.quantity}
              </Text>
            </View>
            <Price fen={item.subtotalFen} />
          </View>
        ))}
        <View className="order__total">
          <Text className="row__label">合计</Text>
          <Price fen={order.totalFen} size="large" testId="order-total" />
        </View>
      </View>

      <View className="card">
        <InfoRow label="订单号" value={String(order.id)} testId="order-id" />
        <InfoRow label="下单时间" value={formatDateTime(order.createdAt)} />
        {order.paidAt && <InfoRow label="支付时间" value={formatDateTime(order.paidAt)} testId="order-paid-at" />}
        {order.refundedAt && <InfoRow label="退款时间" value={formatDateTime(order.refundedAt)} testId="order-refunded-at" />}
      </View>

      {canPay && (
        <Button
          className="order__pay"
          type="primary"
          data-testid="pay-order"
          {...busyProps(payment.state.kind === 'starting')}
          onClick={payment.pay}
        >
          {payment.state.kind === 'failed' ? '重试' : '去支付'}
        </Button>
      )}
      {payment.state.kind === 'unconfirmed' && pending && (
        <Button className="order__pay" type="primary" data-testid="recheck-payment" onClick={payment.recheck}>
          刷新支付结果
        </Button>
      )}
      {pending && !paying && (
        <Button className="order__cancel" data-testid="cancel-order" {...busyProps(cancelling)} onClick={() => void cancel()}>
          取消订单
        </Button>
      )}
      {order.status === 'PAID' && (
        <Button
          className="order__refund"
          data-testid="refund-order"
          {...busyProps(refund.state.kind === 'requesting')}
          onClick={refund.request}
        >
          申请退款
        </Button>
      )}
      {order.status === 'REFUNDING' && refund.state.kind === 'unconfirmed' && (
        <Button className="order__pay" type="primary" data-testid="recheck-refund" onClick={refund.recheck}>
          刷新退款结果
        </Button>
      )}
    </View>
  );
}

function OrderLoader() {
  const id = idParam(useRouter().params.id);
  const {
    data: order,
    error,
    loading,
    reload,
    replace,
  } = useQuery((signal) => (id === null ? Promise.reject(clientError('ORDER_NOT_FOUND', null)) : getOrder(id, signal)), [id]);
  // Back from WeChat's cashier is a show of the page, while the payment asks the server itself:
  // no reload then (nor while a refund is being followed).
  const [busy, setBusy] = useState(false);
  usePageRefresh(reload, loading || busy);

  // Unpaid past its deadline: the server closes it shortly; ask until it says so (a few times).
  const rechecks = useRef(0);
  useEffect(() => {
    if (!order || loading || order.status !== 'PENDING_PAYMENT' || remainingMs(order.expiresAt, Date.now()) > 0) return undefined;
    if (rechecks.current >= RECHECKS) return undefined;
    const delay = Math.min(RECHECK_MAX_MS, RECHECK_FIRST_MS * 2 ** rechecks.current);
    rechecks.current += 1;
    const timer = setTimeout(reload, delay);
    return () => clearTimeout(timer);
  }, [order, loading]);

  if (!order) return error ? <ErrorView title="订单加载失败" error={error} onRetry={reload} /> : <Loading />;
  return <OrderView order={order} onChanged={replace} reload={reload} onBusy={setBusy} />;
}

export default function OrderPage() {
  return (
    <SignInGate>
      <OrderLoader />
    </SignInGate>
  );
}
