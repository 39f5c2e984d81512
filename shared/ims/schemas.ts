import { z } from 'zod';

/**
 * IMS response shapes, from AdobeDocs/adobe-dev-console
 * src/pages/guides/authentication/UserAuthentication/IMS.md and
 * ServerToServerAuthentication/IMS.md. Unknown fields are allowed: Adobe adds
 * fields without notice.
 */

/** IMS writes booleans as JSON booleans in userinfo and as strings in the profile. */
const looseBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((value) => value.toLowerCase() === 'bearer', 'token_type must be bearer'),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  sub: z.string().optional(),
});

/** RFC 6749 section 5.2 error body. */
export const oauthErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
});

export const userInfoSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: looseBoolean.optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  account_type: z.string().optional(),
});

export const organizationsSchema = z.array(
  z.object({
    orgName: z.string(),
    orgRef: z.object({ ident: z.string().min(1), authSrc: z.string().min(1) }),
    orgType: z.string().optional(),
    groups: z.array(z.object({ groupName: z.string() })).optional(),
  }),
);

export const profileSchema = z.object({
  roles: z
    .array(
      z.object({
        named_role: z.string(),
        organization: z.string().optional(),
        principal: z.string().optional(),
        target: z.string().optional(),
        target_type: z.string().optional(),
      }),
    )
    .optional(),
});

export const idTokenClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: looseBoolean.optional(),
  name: z.string().optional(),
  nonce: z.string().optional(),
});
