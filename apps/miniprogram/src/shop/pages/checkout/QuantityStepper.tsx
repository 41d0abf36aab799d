/** − [n] +, within 1…min(stock, 99); what is typed is kept in bounds when the field is left. */
import { Button, Input, View } from '@tarojs/components';
import { useEffect, useState } from 'react';
import { canDecrease, canIncrease, clampQuantity, parseQuantity } from '../../../ui/quantity';

interface QuantityStepperProps {
  value: number;
  stock: number;
  disabled: boolean;
  onChange: (quantity: number) => void;
}

const off = (disabled: boolean) => (disabled ? { disabled: true as const } : {});

export function QuantityStepper({ value, stock, disabled, onChange }: QuantityStepperProps) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);

  const commit = (text: string) => {
    const parsed = parseQuantity(text, stock);
    if (parsed === null) setDraft(String(value));
    else if (parsed !== value) onChange(parsed);
    else setDraft(String(value));
  };

  return (
    <View className="stepper">
      <Button
        className="stepper__button"
        type="default"
        data-testid="quantity-decrease"
        {...off(disabled || !canDecrease(value))}
        onClick={() => onChange(clampQuantity(value - 1, stock))}
      >
        −
      </Button>
      <Input
        className="stepper__input"
        data-testid="quantity-input"
        type="number"
        value={draft}
        {...off(disabled)}
        onInput={(event) => setDraft(event.detail.value)}
        onBlur={(event) => commit(event.detail.value)}
        onConfirm={(event) => commit(event.detail.value)}
      />
      <Button
        className="stepper__button"
        type="default"
        data-testid="quantity-increase"
        {...off(disabled || !canIncrease(value, stock))}
        onClick={() => onChange(clampQuantity(value + 1, stock))}
      >
        +
      </Button>
    </View>
  );
}
