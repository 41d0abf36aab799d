import { assetUrl } from '@app/shared';
import { Image, Text, View } from '@tarojs/components';
import { runMode } from '../../platform/run-mode';
import './index.css';

/** The user's avatar (stored as a path on the API server), or the first character of the name. */
export function Avatar({ url, name, size = 'large' }: { url: string | null; name: string; size?: 'large' | 'small' }) {
  if (url) return <Image className={`avatar avatar--${size}`} src={assetUrl(runMode.apiBaseUrl, url)} mode="aspectFill" />;
  return (
    <View className={`avatar avatar--${size} avatar--placeholder`}>
      <Text>{name.slice(0, 1)}</Text>
    </View>
  );
}
