/**
 * The order page's wait for WeChat Pay's word, the payment's (after the cashier, use-payment.ts)
 * and the refund's (while 退款中, use-refund.ts) alike: pay.confirm on its schedule
 * (api/payment-confirm.ts), each answer shown as it comes, and once the page has gone no further
 * call and nothing more shown.
 */
import type { Order } from '@app/shared';
import { confirmUntilSettled } from '../../../api/payment-confirm';
import { useUnmounted } from './use-unmounted';

export function useConfirmation(
  confirm: () => Promise<Order>,
  settled: (order: Order) => boolean,
  onChanged: (order: Order) => void,
  /** The hook's own state setter: 'confirming' while the wait lasts. */
  setState: (state: { kind: 'confirming' }) => void,
) {
  const gone = useUnmounted();

  /**
   * Shows 'confirming' and asks on the schedule (or `delays`); then, unless the page has gone,
   * `done` with the last answer (null: every call failed).
   */
  const start = async (done: (latest: Order | null) => void, delays?: readonly number[]) => {
    setState({ kind: 'confirming' });
    const latest = await confirmUntilSettled({
      confirm,
      settled,
      onOrder: (answer) => {
        if (!gone.current) onChanged(answer);
      },
      stopped: () => gone.current,
      delays,
    });
    if (!gone.current) done(latest);
  };

  return { gone, start };
}
