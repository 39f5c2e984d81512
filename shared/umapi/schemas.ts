import { z } from 'zod';

/**
 * UMAPI response shapes, from adobe-apiplatform/umapi-documentation
 * docs/en/api/group.md, getUsersByGroup.md, getUsersWithPage.md and getUser.md.
 * Fields may be missing when empty; unknown fields are dropped.
 */

export const groupSchema = z.object({
  groupName: z.string(),
  type: z.string(),
  groupId: z.number().optional(),
  memberCount: z.number().optional(),
  productName: z.string().optional(),
  productProfileName: z.string().optional(),
  adminGroupName: z.string().optional(),
  userGroupName: z.string().optional(),
  licenseQuota: z.string().optional(),
});

/**
 * Past the last page, groups answer `{"lastPage":true,"result":"Not found"}`
 * with no `groups` (group.md, "Response to request for an out-of-bounds page number").
 */
export const groupsPageSchema = z.object({
  lastPage: z.boolean(),
  result: z.string(),
  groups: z.array(groupSchema).optional(),
});

export const userSchema = z.object({
  email: z.string(),
  status: z.string().optional(),
  username: z.string().optional(),
  domain: z.string().optional(),
  type: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  country: z.string().optional(),
  id: z.string().optional(),
  groups: z.array(z.string()).optional(),
  adminRoles: z.array(z.string()).optional(),
});

export const usersPageSchema = z.object({
  lastPage: z.boolean(),
  result: z.string(),
  groupName: z.string().optional(),
  users: z.array(userSchema).optional(),
});

export const userResponseSchema = z.object({
  result: z.string(),
  user: userSchema,
});

/** Error bodies: `{"result":"error.group.not_found","message":"..."}` (partials/notFound.md). */
export const resultBodySchema = z.object({ result: z.string() });

export type UmapiGroup = z.infer<typeof groupSchema>;
export type UmapiUser = z.infer<typeof userSchema>;
