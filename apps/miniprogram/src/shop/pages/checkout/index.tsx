/**
 * 确认订单: one product, its quantity (1…min(stock, 99)), the total for display (the order's
 * total is the server's), and 提交订单.
 *
 * One checkout attempt, one idempotency key (api/checkout-attempt.ts): every try of the same cart
 * on this page (a double tap, a retry after a timeout) sends the same key, so the server makes one
 * order at most; changing the quantity starts a new attempt. The button is disabled while the
 * order is on its way. Out of stock: 库存不足, naming the product, and the way back.
 */
import type { AppErrorCode, Product } from '@app/shared';
import { Button, Text, View } from '@tarojs/components';
import Taro, { useRouter } from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { CheckoutAttempt } from '../../../api/checkout-attempt';
import { getProduct, placeOrder } from '../../../api/shop';
import { useQuery } from '../../../api/use-query';
import { ErrorView } from '../../../components/ErrorView';
import { Loading } from '../../../components/Loading';
import { SignInGate } from '../../../components/SignInGate';
import { appErrorOf, clientError } from '../../../errors/app-error';
import { toastSuccess } from '../../../platform/toast';
import { busyProps } from '../../../ui/busy';
import { errorToastText } from '../../../ui/error-text';
import { clampQuantity } from '../../../ui/quantity';
import { idParam } from '../../../ui/route-params';
import { lineTotalText, stockText } from '../../../ui/shop-format';
import { toastError } from '../../../ui/toast-error';
import { Price } from '../../components/Price';
import { ProductImage } from '../../components/ProductImage';
import { QuantityStepper } from './QuantityStepper';
import './index.css';

/** Failures about the product itself, with their dialogs' titles: the buyer should go back and choose again. */
const GO_BACK: Partial<Record<AppErrorCode, string>> = {
  OUT_OF_STOCK: '库存不足',
  PRODUCT_OFF_SHELF: '商品已下架',
  PRODUCT_NOT_FOUND: '商品不存在',
};

/** Back to where the buyer came from (the product); opened by a link, there is no back: open the product. */
function goBack(productId: number) {
  Taro.navigateBack().catch(() => void Taro.redirectTo({ url: `/shop/pages/product/index?id=${productId}` }));
}

function Checkout({ product, reloadProduct }: { product: Product; reloadProduct: () => void }) {
  const [quantity, setQuantity] = useState(() => clampQuantity(1, product.stock));
  const [submitting, setSubmitting] = useState(false);
  // The attempt lives as long as the page: leaving it ends the attempt.
  const attempt = useRef(new CheckoutAttempt()).current;

  // The stock moved (reloaded after 库存不足): keep the quantity within it.
  useEffect(() => setQuantity((current) => clampQuantity(current, product.stock)), [product.stock]);

  const available = product.onShelf && quantity > 0;
  const submit = async () => {
    if (!available || attempt.submitting) return;
    setSubmitting(true);
    try {
      const order = await placeOrder(attempt, [{ productId: product.id, quantity }]);
      toastSuccess('下单成功');
      // The order replaces this page: back from it is the product, not a checkout already done.
      void Taro.redirectTo({ url: `/shop/pages/order/index?id=${order.id}` });
    } catch (error) {
      const info = appErrorOf(error);
      const title = GO_BACK[info.code];
      if (!title) {
        toastError(error);
        return;
      }
      reloadProduct();
      const { confirm } = await Taro.showModal({
        title,
        // The server names the product (「黄铜书签（限量）」库存不足), with the request id for support.
        content: errorToastText(info),
        confirmText: '返回',
        cancelText: '留在本页',
      });
      if (confirm) goBack(product.id);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <View className="checkout">
      <View className="page checkout__page">
        <View className="card checkout__line">
          <ProductImage url={product.imageUrl} className="checkout__image" />
          <View className="checkout__line-text">
            <Text className="checkout__title" data-testid="checkout-title">
              {product.title}
            </Text>
            <Price fen={product.priceFen} size="small" />
            <Text className="muted" data-testid="checkout-stock">
              {stockText(product.stock)}
            </Text>
          </View>
        </View>
        <View className="card">
          <View className="row">
            <Text className="row__label">购买数量</Text>
            <QuantityStepper value={quantity} stock={product.stock} disabled={submitting || !product.onShelf} onChange={setQuantity} />
          </View>
          <View className="row">
            <Text className="row__label">商品金额</Text>
            <Text className="row__value">{lineTotalText(product.priceFen, quantity)}</Text>
          </View>
          <Text className="muted">实付金额以提交后的订单为准</Text>
        </View>
      </View>
      <View className="checkout__bar">
        <View className="checkout__total">
          <Text className="checkout__total-label">合计</Text>
          <Price fen={product.priceFen * quantity} size="large" testId="checkout-total" />
        </View>
        <Button
          className="checkout__submit"
          type="primary"
          data-testid="submit-order"
          {...(available ? busyProps(submitting) : { disabled: true })}
          onClick={() => void submit()}
        >
          {!product.onShelf ? '已下架' : quantity === 0 ? '已售罄' : '提交订单'}
        </Button>
      </View>
    </View>
  );
}

function CheckoutLoader() {
  const id = idParam(useRouter().params.productId);
  const {
    data: product,
    error,
    reload,
  } = useQuery((signal) => (id === null ? Promise.reject(clientError('PRODUCT_NOT_FOUND', null)) : getProduct(id, signal)), [id]);
  if (!product) return error ? <ErrorView title="商品加载失败" error={error} onRetry={reload} /> : <Loading />;
  return <Checkout product={product} reloadProduct={reload} />;
}

export default function CheckoutPage() {
  return (
    <SignInGate>
      <CheckoutLoader />
    </SignInGate>
  );
}
