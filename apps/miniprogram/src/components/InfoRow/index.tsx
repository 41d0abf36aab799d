import { Text, View } from '@tarojs/components';

/** A label and its value on one line (the global `.row` styles of app.css). */
export function InfoRow({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <View className="row">
      <Text className="row__label">{label}</Text>
      <Text className="row__value" data-testid={testId}>
        {value}
      </Text>
    </View>
  );
}
