/**
 * The time left to pay, mm:ss, ticking on the phone's clock against the server's deadline. It
 * stops at 00:00 and then says so once (onEnd), when it got there while shown; a deadline already
 * past when it appears is the page's to handle.
 */
import { Text } from '@tarojs/components';
import { useEffect, useRef, useState } from 'react';
import { formatCountdown, nextTickMs, remainingMs } from '../../../ui/shop-format';

export function Countdown({ deadline, onEnd }: { deadline: Date; onEnd: () => void }) {
  const [now, setNow] = useState(Date.now);
  const left = remainingMs(deadline, now);
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  const running = useRef(left > 0);

  useEffect(() => {
    if (left > 0) {
      running.current = true;
      // Woken when the text changes (the next whole second), not on a fixed beat that drifts.
      const timer = setTimeout(() => setNow(Date.now()), nextTickMs(left));
      return () => clearTimeout(timer);
    }
    if (running.current) {
      running.current = false;
      onEndRef.current();
    }
    return undefined;
  }, [left]);

  return (
    <Text className="countdown" data-testid="order-countdown">
      {formatCountdown(left)}
    </Text>
  );
}
