/** Binds the user's WeChat phone number (getPhoneNumber's single-use code, exchanged by the server). */
import type { User } from '@app/shared';
import { Button, Text, View } from '@tarojs/components';
import { useState } from 'react';
import { currentUser } from '../../api/client';
import { devPhoneCode } from '../../auth/wechat-codes';
import { isH5 } from '../../config';
import { toastSuccess, toastText } from '../../platform/toast';
import { busyProps } from '../../ui/busy';
import { toastError } from '../../ui/toast-error';
import { readPhoneNumberEvent } from './phone-number-event';

export function PhoneBinding({ user }: { user: User }) {
  const [binding, setBinding] = useState(false);

  const bind = async (code: () => Promise<string>) => {
    setBinding(true);
    try {
      await currentUser.bindPhone({ code: await code() });
      toastSuccess('手机号已绑定');
    } catch (error) {
      toastError(error);
    } finally {
      setBinding(false);
    }
  };

  const label = user.phoneMasked ? '更换手机号' : '绑定手机号';
  return (
    <View className="phone">
      <View className="phone__text">
        <Text className="card__title">手机号</Text>
        <Text data-testid="phone-masked">{user.phoneMasked ?? '未绑定'}</Text>
      </View>
      {isH5 ? (
        <Button
          className="phone__button"
          size="mini"
          {...busyProps(binding)}
          data-testid="bind-phone"
          onClick={() => void bind(devPhoneCode)}
        >
          {label}
        </Button>
      ) : (
        <Button
          className="phone__button"
          size="mini"
          openType="getPhoneNumber"
          {...busyProps(binding)}
          onGetPhoneNumber={(event) => {
            const outcome = readPhoneNumberEvent(event.detail);
            if (outcome.kind === 'code') void bind(() => Promise.resolve(outcome.code));
            else if (outcome.kind === 'failed') toastText(outcome.message);
          }}
        >
          {label}
        </Button>
      )}
    </View>
  );
}
