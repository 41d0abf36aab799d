/**
 * 商品详情: picture, title, price, stock and description, and 立即购买 to 确认订单. Public, like
 * the catalog. Shown again (back from an order or its cancellation) it reloads: the stock moves.
 */
import { Button, Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { getProduct } from '../../../api/shop';
import { useQuery } from '../../../api/use-query';
import { ErrorView } from '../../../components/ErrorView';
import { Loading } from '../../../components/Loading';
import { clientError } from '../../../errors/app-error';
import { idParam } from '../../../ui/route-params';
import { stockText } from '../../../ui/shop-format';
import { Price } from '../../components/Price';
import { usePageRefresh } from '../../use-page-refresh';
import { ProductImage } from '../../components/ProductImage';
import './index.css';

export default function ProductPage() {
  const id = idParam(useRouter().params.id);
  const {
    data: product,
    error,
    loading,
    reload,
  } = useQuery((signal) => (id === null ? Promise.reject(clientError('PRODUCT_NOT_FOUND', null)) : getProduct(id, signal)), [id]);
  usePageRefresh(reload, loading);

  if (!product) return error ? <ErrorView title="商品加载失败" error={error} onRetry={reload} /> : <Loading />;
  const soldOut = product.stock <= 0;
  const buyLabel = !product.onShelf ? '已下架' : soldOut ? '已售罄' : '立即购买';
  const buy = () => void Taro.navigateTo({ url: `/shop/pages/checkout/index?productId=${product.id}` });
  return (
    <View className="product">
      <ProductImage url={product.imageUrl} className="product__image" />
      <View className="page product__page">
        <View className="card">
          <Price fen={product.priceFen} size="large" testId="product-price" />
          <Text className="product__title" data-testid="product-title">
            {product.title}
          </Text>
          <Text className={`product__stock${soldOut ? ' product__stock--out' : ''}`} data-testid="product-stock">
            {stockText(product.stock)}
          </Text>
        </View>
        <View className="card">
          <Text className="card__title">商品详情</Text>
          <Text className="product__description">{product.description}</Text>
        </View>
      </View>
      <View className="product__bar">
        <Button
          className="product__buy"
          type="primary"
          data-testid="buy-now"
          {...(soldOut || !product.onShelf ? { disabled: true } : {})}
          onClick={buy}
        >
          {buyLabel}
        </Button>
      </View>
    </View>
  );
}
