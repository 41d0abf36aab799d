import type { AroundCall } from '@app/trpc-host';

export const procedureSpans: AroundCall = (_call, _request, invoke) => invoke();
