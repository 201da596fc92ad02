/**
 * Who may approve or deny requests: trusted configuration, like `actorRoles`. A list or record of
 * emails (compared without case), or a function. Unset: nobody can approve (fail closed).
 */
export type Approvers = readonly string[] | Readonly<Record<string, unknown>> | ((email: string) => boolean | Promise<boolean>);

/** Whether `email` may decide approval requests. A lookup that throws or answers anything but `true` says no. */
export async function isApprover(approvers: Approvers | undefined, email: unknown): Promise<boolean> {
  if (approvers === undefined || typeof email !== "string" || email.trim() === "") return false;
  try {
    if (typeof approvers === "function") return (await approvers(email)) === true;
    const wanted = email.trim().toLowerCase();
    const names: readonly unknown[] = Array.isArray(approvers) ? approvers : Object.keys(approvers);
    return names.some((name) => typeof name === "string" && name.trim().toLowerCase() === wanted);
  } catch {
    return false;
  }
}

/** Same person, whatever the case or surrounding spaces of their email. */
export function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
