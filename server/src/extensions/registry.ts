/**
 * A keyed collection of things the core and overlays contribute (providers, deliveries, routes, jobs,
 * ...). Duplicate ids are collected, not thrown one at a time, so boot reports every conflict at once;
 * after boot the registry is sealed and read-only.
 */
export interface Identified {
  id: string;
}

export class Registry<T extends Identified> {
  private readonly items = new Map<string, { item: T; origin: string }>();
  private sealed = false;

  constructor(
    readonly kind: string,
    private readonly problems: string[],
  ) {}

  register(item: T, origin: string): void {
    if (this.sealed) throw new Error(`${this.kind} registry is sealed; "${item.id}" from ${origin} came too late`);
    const existing = this.items.get(item.id);
    if (existing) {
      this.problems.push(`duplicate ${this.kind} id "${item.id}": registered by ${existing.origin} and again by ${origin}`);
      return;
    }
    this.items.set(item.id, { item, origin });
  }

  get(id: string): T | undefined {
    return this.items.get(id)?.item;
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  list(): T[] {
    return [...this.items.values()].map((e) => e.item);
  }

  originOf(id: string): string | undefined {
    return this.items.get(id)?.origin;
  }

  seal(): void {
    this.sealed = true;
  }
}
