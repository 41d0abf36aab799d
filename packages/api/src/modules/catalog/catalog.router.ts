import { productIdInputSchema, productListInputSchema, productListSchema, productSchema } from '@app/shared';
import { publicProcedure, router } from '../../trpc';
import { getProduct, listProducts } from './catalog.service';

/** The catalog is public: browsing needs no sign-in. */
export const catalogRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/products', tags: ['shop'], summary: 'On-shelf products, a cursor page at a time' } })
    .input(productListInputSchema)
    .output(productListSchema)
    .query(({ ctx, input }) => listProducts(ctx, input.cursor ?? null, input.limit)),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/products/{id}', tags: ['shop'], summary: 'One product', errors: ['PRODUCT_NOT_FOUND'] } })
    .input(productIdInputSchema)
    .output(productSchema)
    .query(({ ctx, input }) => getProduct(ctx, input.id)),
});
