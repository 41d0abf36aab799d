import { bindPhoneInputSchema, updateProfileInputSchema, userSchema } from '@app/shared';
import { authedProcedure, router } from '../../trpc';
import { bindPhone, getUser, updateProfile } from './user.service';

export const userRouter = router({
  me: authedProcedure.output(userSchema).query(({ ctx }) => getUser(ctx, ctx.session.userId)),

  updateProfile: authedProcedure
    .input(updateProfileInputSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => updateProfile(ctx, ctx.session.userId, input)),

  bindPhone: authedProcedure
    .input(bindPhoneInputSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => bindPhone(ctx, ctx.session.userId, input.code)),
});
