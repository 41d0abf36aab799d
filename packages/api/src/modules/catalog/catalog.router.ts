import { productIdInputSchema, productListInputSchema, productListSchema, productSchema } from '@app/shared';
import { publicProcedure, router } from '../../trpc';
import { getProduct, listProducts } from './catalog.service';

/** The catalog is public: browsing needs no sign-in. */
export const catalogRouter = router({
  list: publicProcedure
    .input(productListInputSchema)
    .output(productListSchema)
    .query(({ ctx, input }) => listProducts(ctx, input.cursor ?? null, input.limit)),

  get: publicProcedure
    .input(productIdInputSchema)
    .output(productSchema)
    .query(({ ctx, input }) => getProduct(ctx, input.id)),
});
