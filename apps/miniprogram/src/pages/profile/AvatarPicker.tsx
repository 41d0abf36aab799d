/** Picks an avatar (WeChat's chooseAvatar, or a file on H5), uploads it and saves it to the profile. */
import { Button, type CommonEvent } from '@tarojs/components';
import Taro from '@tarojs/taro';
import { useState, type ReactNode } from 'react';
import { currentUser, uploadUserImage } from '../../api/client';
import { isH5 } from '../../config';
import { toastSuccess } from '../../platform/toast';
import { busyProps } from '../../ui/busy';
import { toastError } from '../../ui/toast-error';

export function AvatarPicker({ children }: { children: ReactNode }) {
  const [busy, setBusy] = useState(false);

  const save = async (filePath: string | undefined) => {
    if (!filePath) return;
    setBusy(true);
    void Taro.showLoading({ title: '上传中…', mask: true });
    // The loading is hidden before the outcome's toast shows: on WeChat they share one slot, and
    // hideLoading closes a toast shown after it (its noConflict option needs base library 2.22.1).
    try {
      const { url } = await uploadUserImage(filePath);
      await currentUser.updateProfile({ avatarUrl: url });
      void Taro.hideLoading();
      toastSuccess('头像已更新');
    } catch (error) {
      void Taro.hideLoading();
      toastError(error);
    } finally {
      setBusy(false);
    }
  };

  if (isH5) {
    const choose = async () => {
      const chosen = await Taro.chooseImage({ count: 1, sizeType: ['compressed'] }).catch(() => null);
      await save(chosen?.tempFilePaths[0]);
    };
    return (
      <Button className="avatar-picker" data-testid="avatar-picker" {...busyProps(busy, { spinner: false })} onClick={() => void choose()}>
        {children}
      </Button>
    );
  }
  // Taro leaves this event's detail untyped; WeChat's chooseavatar event carries { avatarUrl }.
  const onChooseAvatar = (event: CommonEvent<{ avatarUrl: string }>) => void save(event.detail.avatarUrl);
  return (
    <Button className="avatar-picker" openType="chooseAvatar" {...busyProps(busy, { spinner: false })} onChooseAvatar={onChooseAvatar}>
      {children}
    </Button>
  );
}
