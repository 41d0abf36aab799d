import { assetUrl } from '@app/shared';
import { Image, View } from '@tarojs/components';
import { runMode } from '../../../platform/run-mode';
import './index.css';

/** A product's picture (a path on the API server, or a full URL), or a grey square without one. */
export function ProductImage({ url, className }: { url: string | null; className: string }) {
  if (!url) return <View className={`product-image product-image--none ${className}`} />;
  return <Image className={`product-image ${className}`} src={assetUrl(runMode.apiBaseUrl, url)} mode="aspectFill" lazyLoad />;
}
