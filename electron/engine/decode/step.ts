/** Where the next layer starts and how to pick its decoder (see `index.ts`). */
export interface Step {
  kind: 'ethertype' | 'ipproto' | 'ipguess' | 'done';
  /** EtherType or IP protocol number, depending on `kind`. */
  type: number;
  offset: number;
}

export function next(step: Step, kind: Step['kind'], type: number, offset: number): true {
  step.kind = kind;
  step.type = type;
  step.offset = offset;
  return true;
}
