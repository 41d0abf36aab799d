import { Text, View } from '@tarojs/components';
import './index.css';

export function Loading({ text = '加载中…' }: { text?: string }) {
  return (
    <View className="loading" aria-busy="true">
      <View className="loading__spinner" />
      <Text className="loading__text">{text}</Text>
    </View>
  );
}
