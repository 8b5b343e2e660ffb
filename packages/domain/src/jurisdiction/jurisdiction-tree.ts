export const JURISDICTION_LEVELS = ['province', 'city', 'county', 'zone', 'township'] as const;
export type JurisdictionLevel = (typeof JURISDICTION_LEVELS)[number];

export interface JurisdictionRecord {
  code: string;
  name: string;
  nameEn?: string | undefined;
  /** The level above; null at the top of the loaded tree. */
  parent: string | null;
  level: JurisdictionLevel;
}

export class InvalidJurisdictionTree extends Error {
  /**
   * The unit at fault and the field of its record that is wrong (`code` for a duplicate, `parent`
   * for an unknown parent or a cycle), so a loader can point at the entry in its file.
   */
  constructor(
    message: string,
    readonly code: string,
    readonly field: 'code' | 'parent',
  ) {
    super(message);
    this.name = 'InvalidJurisdictionTree';
  }
}

/** The jurisdictions a deployment serves, loaded as data: who is above whom. */
export class JurisdictionTree {
  private readonly byCode = new Map<string, JurisdictionRecord>();

  constructor(records: readonly JurisdictionRecord[]) {
    for (const record of records) {
      if (this.byCode.has(record.code)) throw new InvalidJurisdictionTree(`jurisdiction ${record.code} is listed twice`, record.code, 'code');
      this.byCode.set(record.code, record);
    }
    for (const record of records) {
      if (record.parent !== null && !this.byCode.has(record.parent)) {
        throw new InvalidJurisdictionTree(`jurisdiction ${record.code} names an unknown parent ${record.parent}`, record.code, 'parent');
      }
      // A cycle would make ancestorsOf loop forever.
      const seen = new Set<string>();
      for (let c: string | null = record.code; c !== null; c = this.byCode.get(c)?.parent ?? null) {
        if (seen.has(c)) throw new InvalidJurisdictionTree(`jurisdiction ${record.code} is its own ancestor`, record.code, 'parent');
        seen.add(c);
      }
    }
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): JurisdictionRecord | undefined {
    return this.byCode.get(code);
  }

  parentOf(code: string): string | null {
    return this.byCode.get(code)?.parent ?? null;
  }

  /** From the parent up to the top. */
  ancestorsOf(code: string): string[] {
    const out: string[] = [];
    for (let p = this.parentOf(code); p !== null; p = this.parentOf(p)) out.push(p);
    return out;
  }

  /** True when `code` is `ancestor` or lies below it. */
  isWithin(code: string, ancestor: string): boolean {
    return code === ancestor || this.ancestorsOf(code).includes(ancestor);
  }

  all(): JurisdictionRecord[] {
    return [...this.byCode.values()];
  }
}
