import { formatFen } from '@app/shared';
import { Text } from '@tarojs/components';
import './index.css';

/** An amount in fen, as ¥12.50 (formatFen: integer fen all the way, no floating point). */
export function Price({ fen, size = 'normal', testId }: { fen: number; size?: 'small' | 'normal' | 'large'; testId?: string }) {
  return (
    <Text className={`price price--${size}`} data-testid={testId}>
      {formatFen(fen)}
    </Text>
  );
}
