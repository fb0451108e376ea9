/**
 * True when a database error is a unique or primary key violation, on SQLite or PostgreSQL.
 *
 * @example
 * ```ts
 * await store.db.insertInto('users').values(user).execute().catch((error: unknown) => {
 *   throw isUniqueViolation(error) ? new ConflictError('The email is taken', { cause: error }) : error;
 * });
 * ```
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * True when a database error is a foreign key violation, on SQLite or PostgreSQL.
 *
 * @example
 * ```ts
 * await store.db.insertInto('bookings').values(booking).execute().catch((error: unknown) => {
 *   throw isForeignKeyViolation(error) ? new NotFoundError('The event does not exist', { cause: error }) : error;
 * });
 * ```
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
