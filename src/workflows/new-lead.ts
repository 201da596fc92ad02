import { z } from "zod/v4";
import { requireHubSpot } from "../connectors/hubspot/system.js";
import type { ActionResult } from "../models.js";
import { defineWorkflow } from "../workflow.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Payload of {@link newLeadWorkflow}. Other keys (e.g. `actorRole` for policies) are kept. */
export const NewLeadPayload = z.looseObject({
  /** The lead's email; the contact is found or created by it. */
  email: z.email(),
  company: z.string().min(1).optional(),
  firstName: z.string().min(1).optional(),
  lastName: z.string().min(1).optional(),
  /** Deal name. Default: "New lead: <company or email>". */
  dealName: z.string().min(1).optional(),
  /** Deal amount. Default: 25000. */
  dealValue: z.number().finite().nonnegative().default(25_000),
  /** Deal pipeline and stage. Default: HubSpot's default sales pipeline, first stage. */
  pipeline: z.string().min(1).default("default"),
  dealStage: z.string().min(1).default("appointmentscheduled"),
  /** Days until the follow-up task is due. Default: 1. */
  followUpDays: z.number().int().min(0).max(365).default(1),
});
export type NewLeadPayload = z.output<typeof NewLeadPayload>;

/**
 * `new_lead_workflow`: a new lead in HubSpot — the contact (found or created by email), a real deal
 * of `dealValue` associated with it, and a follow-up task associated with it. Stops at the first
 * failed step; the receipt shows every step taken.
 *
 * @example
 * const [result, receipt] = await enact.run({
 *   workflow: "new_lead_workflow",
 *   actorEmail: "agent@company.example",
 *   payload: { email: "ada@example.com", company: "Analytical Engines", dealValue: 40000 },
 * });
 */
export const newLeadWorkflow = defineWorkflow(
  "new_lead_workflow",
  async (ctx): Promise<ActionResult[]> => {
    const hubspot = requireHubSpot(ctx);
    const lead = ctx.payload;
    const results: ActionResult[] = [];

    const contact = await hubspot.createContact({
      email: lead.email,
      properties: defined({ firstname: lead.firstName, lastname: lead.lastName, company: lead.company }),
    });
    results.push(contact);
    if (!contact.success) return results;
    const contactId = String(contact.output.id);

    const deal = await hubspot.createDeal({
      contactId,
      properties: {
        dealname: lead.dealName ?? `New lead: ${lead.company ?? lead.email}`,
        amount: String(lead.dealValue),
        pipeline: lead.pipeline,
        dealstage: lead.dealStage,
      },
    });
    results.push(deal);
    if (!deal.success) return results;

    const task = await hubspot.createTask({
      contactId,
      properties: {
        hs_task_subject: `Follow up with ${lead.email}`,
        hs_task_body: `New lead${lead.company !== undefined ? ` from ${lead.company}` : ""}; deal ${String(deal.output.id)}.`,
        hs_task_status: "NOT_STARTED",
        hs_task_priority: "MEDIUM",
        hs_task_type: "TODO",
        hs_timestamp: new Date(Date.now() + lead.followUpDays * DAY_MS).toISOString(),
      },
    });
    results.push(task);
    return results;
  },
  { payload: NewLeadPayload },
);

function defined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
