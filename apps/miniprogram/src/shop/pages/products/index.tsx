/**
 * 商城: the catalog, page by page (the next page when the user reaches the bottom), pull to
 * refresh. Browsing needs no sign-in: the catalog is public.
 */
import type { Product } from '@app/shared';
import { Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useReachBottom } from '@tarojs/taro';
import { listProducts } from '../../../api/shop';
import { usePagedQuery } from '../../../api/use-paged-query';
import { EmptyView } from '../../../components/EmptyView';
import { ErrorView } from '../../../components/ErrorView';
import { ListFooter } from '../../../components/ListFooter';
import { Loading } from '../../../components/Loading';
import { toastText } from '../../../platform/toast';
import { errorToastText } from '../../../ui/error-text';
import { stockText } from '../../../ui/shop-format';
import { Price } from '../../components/Price';
import { ProductImage } from '../../components/ProductImage';
import './index.css';

const openProduct = (id: number) => void Taro.navigateTo({ url: `/shop/pages/product/index?id=${id}` });
const openOrders = () => void Taro.navigateTo({ url: '/shop/pages/orders/index' });

function ProductCard({ product }: { product: Product }) {
  return (
    <View className="product-card" data-testid="product-card" onClick={() => openProduct(product.id)}>
      <ProductImage url={product.imageUrl} className="product-card__image" />
      <View className="product-card__body">
        <Text className="product-card__title">{product.title}</Text>
        <View className="product-card__meta">
          <Price fen={product.priceFen} />
          <Text className={`product-card__stock${product.stock <= 0 ? ' product-card__stock--out' : ''}`}>{stockText(product.stock)}</Text>
        </View>
      </View>
    </View>
  );
}

export default function ProductsPage() {
  const list = usePagedQuery(listProducts, []);
  const refresh = async () => {
    const failure = await list.refresh();
    // A list on screen stays when its refresh fails: say so.
    if (failure && list.loaded) toastText(errorToastText(failure));
  };
  usePullDownRefresh(() => {
    void refresh().finally(() => void Taro.stopPullDownRefresh());
  });
  useReachBottom(list.loadMore);

  if (!list.loaded) {
    return list.error ? <ErrorView title="商品加载失败" error={list.error} onRetry={() => void refresh()} /> : <Loading />;
  }
  return (
    <View className="page products">
      <View className="products__header">
        <Text className="products__heading">精选好物</Text>
        <Text className="products__orders" data-testid="open-orders" onClick={openOrders}>
          我的订单 ›
        </Text>
      </View>
      {list.items.length === 0 ? (
        <EmptyView title="暂无商品" hint="商品正在上架，稍后再来看看" actionText="刷新" onAction={() => void refresh()} />
      ) : (
        <>
          <View className="products__grid">
            {list.items.map((product) => (
              <ProductCard key={product.id} product={product} />
            ))}
          </View>
          <ListFooter
            loadingMore={list.loadingMore}
            hasMore={list.hasMore}
            error={list.moreError}
            onLoadMore={list.loadMore}
            endText="已经到底了"
          />
        </>
      )}
    </View>
  );
}
