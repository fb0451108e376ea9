import Router from 'find-my-way';

/**
 * The methods each registered path answers, matched like Fastify's router matches, so a request
 * with another method can be answered 405 with `Allow` instead of 404.
 */
export class AllowedMethods {
  private readonly router: Router.Instance<Router.HTTPVersion.V1>;
  private readonly methods = new Set<Router.HTTPMethod>();

  constructor(options: { ignoreTrailingSlash: boolean; maxParamLength: number }) {
    this.router = Router(options);
  }

  /** Records a route (from Fastify's `onRoute` hook). */
  add(method: string | string[], url: string): void {
    // A catch-all (CORS preflight's `OPTIONS *`) says nothing about which paths exist.
    if (url === '*' || url === '/*') return;
    for (const one of Array.isArray(method) ? method : [method]) {
      const upper = one.toUpperCase() as Router.HTTPMethod;
      this.methods.add(upper);
      // A path registered twice under different constraints is one entry here.
      if (!this.router.hasRoute(upper, url)) this.router.on(upper, url, () => undefined);
    }
  }

  /** Every method a route matches `path` with, sorted; empty when no route has that path. */
  for(path: string): string[] {
    return [...this.methods].filter((method) => this.router.find(method, path) !== null).sort();
  }
}
