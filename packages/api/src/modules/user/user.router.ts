import { bindPhoneInputSchema, updateProfileInputSchema, userSchema } from '@app/shared';
import { authedProcedure, router } from '../../trpc';
import { bindPhone, getUser, updateProfile } from './user.service';

export const userRouter = router({
  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/me', tags: ['user'], summary: 'The signed-in user' } })
    .output(userSchema)
    .query(({ ctx }) => getUser(ctx, ctx.session.userId)),

  updateProfile: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/me', tags: ['user'], summary: "Change the signed-in user's nickname or avatar" } })
    .input(updateProfileInputSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => updateProfile(ctx, ctx.session.userId, input)),

  bindPhone: authedProcedure
    .input(bindPhoneInputSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => bindPhone(ctx, ctx.session.userId, input.code)),
});
