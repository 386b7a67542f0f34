// What a page of the citizens' site is, for the router in main.ts.

export type Dispose = () => void;

export interface PageContext {
  /** Named groups of the route's pattern (e.g. the report's code). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** False once the user has moved on: late answers must not draw. */
  alive(): boolean;
  navigate(href: string, opts?: { replace?: boolean }): void;
}

/** Draws the page into `root` (synchronously at least its h1, which the router
 * focuses); returns what to undo on leaving (maps, timers). */
export type Page = (root: HTMLElement, ctx: PageContext) => Dispose | void;
