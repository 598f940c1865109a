/**
 * The Add-inbox wizard's step rail (Chatwoot's CHANNEL -> INBOX -> AGENTS -> FINISH), as data: each
 * step names the routes that belong to it, so the rail follows the router instead of its own state.
 */
export const WIZARD_STEPS = [
  { key: 'CHANNEL', routes: ['inbox-new'] },
  { key: 'INBOX', routes: ['inbox-new-email', 'inbox-new-email-provider', 'inbox-new-api'] },
  { key: 'AGENTS', routes: ['inbox-new-agents'] },
  { key: 'FINISH', routes: ['inbox-new-finish'] },
] as const;

export type WizardStepKey = (typeof WIZARD_STEPS)[number]['key'];
export type StepState = 'done' | 'current' | 'upcoming';

export function currentStepIndex(routeName: string | null | undefined): number {
  return WIZARD_STEPS.findIndex((s) => (s.routes as readonly string[]).includes(routeName ?? ''));
}

/** Each step's state for the rail; an unknown route leaves every step upcoming. */
export function stepStates(routeName: string | null | undefined): { key: WizardStepKey; state: StepState }[] {
  const current = currentStepIndex(routeName);
  return WIZARD_STEPS.map((s, i) => ({ key: s.key, state: current < 0 || i > current ? 'upcoming' : i === current ? 'current' : 'done' }));
}
