/** A bad configuration value; the message names the field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`config field '${field}': ${message}`);
    this.name = 'ConfigError';
  }
}

/** A missing, truncated or corrupt data file; the message names the file and the fix. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
