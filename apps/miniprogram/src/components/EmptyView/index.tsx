import { Button, Text, View } from '@tarojs/components';
import './index.css';

interface EmptyViewProps {
  title: string;
  hint?: string;
  actionText?: string;
  onAction?: () => void;
}

/** A list with nothing in it: what is missing, and what to do about it. */
export function EmptyView({ title, hint, actionText, onAction }: EmptyViewProps) {
  return (
    <View className="empty-view" data-testid="empty-view">
      <Text className="empty-view__title">{title}</Text>
      {hint && <Text className="empty-view__hint">{hint}</Text>}
      {actionText && onAction && (
        <Button className="empty-view__action" size="mini" onClick={onAction}>
          {actionText}
        </Button>
      )}
    </View>
  );
}
