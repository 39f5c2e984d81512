import { z } from 'zod';

/**
 * The input every schedule sends its function, on AWS (EventBridge Scheduler's
 * target input, with the scheduled-time context attribute) and locally alike.
 */
export const scheduledEventSchema = z.object({
  schedule: z.string().min(1),
  scheduledTime: z.string().optional(),
});
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
