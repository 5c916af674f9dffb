/** Every kind the injection detector reports: one per rule family, the model's, and unreadable text. */
export const INJECTION_KINDS = [
  'INSTRUCTION_OVERRIDE',
  'ROLE_MARKER',
  'PROMPT_EXFILTRATION',
  'PERSONA_SWITCH',
  'ADDRESSED_TO_AI',
  'CONCEALMENT',
  'DATA_EXFILTRATION',
  'HIDDEN_INSTRUCTION',
  'OUTPUT_HIJACK',
  'SUSPECT_INSTRUCTION',
  'UNREADABLE',
] as const;

export type InjectionKind = (typeof INJECTION_KINDS)[number];
