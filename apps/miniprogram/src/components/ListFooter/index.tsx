/**
 * The end of a list read page by page: the next page loading, its failure with 重试, a hint that
 * more follow (a tap loads them too, for when a page is too short to scroll), or the end.
 */
import { Text, View } from '@tarojs/components';
import type { AppErrorInfo } from '../../errors/app-error';
import { errorToastText } from '../../ui/error-text';
import './index.css';

interface ListFooterProps {
  loadingMore: boolean;
  hasMore: boolean;
  error: AppErrorInfo | null;
  onLoadMore: () => void;
  endText?: string;
}

export function ListFooter({ loadingMore, hasMore, error, onLoadMore, endText = '没有更多了' }: ListFooterProps) {
  if (loadingMore) {
    return (
      <View className="list-footer" data-testid="list-footer">
        <Text className="muted">加载中…</Text>
      </View>
    );
  }
  if (error) {
    return (
      <View className="list-footer list-footer--error" data-testid="list-footer" role="alert">
        <Text className="list-footer__error">加载失败：{errorToastText(error)}</Text>
        <Text className="list-footer__action" onClick={onLoadMore}>
          重试
        </Text>
      </View>
    );
  }
  if (hasMore) {
    return (
      <View className="list-footer" data-testid="list-footer" onClick={onLoadMore}>
        <Text className="muted">上拉或点击加载更多</Text>
      </View>
    );
  }
  return (
    <View className="list-footer" data-testid="list-footer">
      <Text className="muted">{endText}</Text>
    </View>
  );
}
