import { Button, Text, View } from '@tarojs/components';
import type { AppErrorInfo } from '../../errors/app-error';
import './index.css';

interface ErrorViewProps {
  title: string;
  error: AppErrorInfo;
  onRetry?: () => void;
  retryText?: string;
}

/** A failure a user can act on: what happened (zh-CN), what to quote to support, and a retry. */
export function ErrorView({ title, error, onRetry, retryText = '重试' }: ErrorViewProps) {
  return (
    <View className="error-view" role="alert">
      <Text className="error-view__title">{title}</Text>
      <Text className="error-view__message">{error.message}</Text>
      <Text className="error-view__detail">
        错误码 {error.code}
        {error.requestId ? ` · 请求编号 ${error.requestId}` : ''}
      </Text>
      {onRetry && (
        <Button className="error-view__retry" type="primary" onClick={onRetry}>
          {retryText}
        </Button>
      )}
    </View>
  );
}
