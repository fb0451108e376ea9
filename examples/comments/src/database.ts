import type { FeatureContext } from 'keel';
import type { AccountPrincipal, AccountTables } from 'keel/accounts';
import type { CommentTables } from './comments/tables.js';
import type { CommentsConfig } from './config.js';

/** The service's tables, each declared by the feature that owns it. */
export interface CommentsDatabase extends AccountTables, CommentTables {}

/** What every feature of the service is given. */
export type CommentsApp = FeatureContext<CommentsDatabase, CommentsConfig>;

declare module 'keel/http' {
  /** The caller of an authenticated request (a user of keel/accounts): tasks are owned by its id. */
  interface Principal extends AccountPrincipal {}
}
