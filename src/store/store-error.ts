/**
 * The store cannot be used as it is; the message says what is wrong and what to do. Its own
 * module, without the driver: the CLI's entry maps it to an exit code without loading SQLite.
 */
export class StoreError extends Error {
  constructor(message: string, readonly code: 'not-a-database' | 'corrupt' | 'unwritable' | 'open-failed', options?: ErrorOptions) {
    super(message, options);
  }
}
