/**
 * The name an object was addressed by (`getByName`). Every object here is
 * addressed by name, so an absent name is a caller's bug: it fails loudly
 * instead of silently becoming "" (and, say, the inbox of no user).
 */
export function objectName(ctx: DurableObjectState, className: string): string {
  const name = ctx.id.name;
  if (!name) {
    throw new Error(`${className} has no name: get its stub with getByName(name), not idFromString or newUniqueId`);
  }
  return name;
}
