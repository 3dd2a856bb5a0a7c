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

/**
 * A run that diverged: a loss or statistic became non-finite, or the loss grew past its bound.
 * The message reads "diverged at step N: <quantity> = <value>".
 */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly quantity: string,
    readonly value: number,
    why = '',
  ) {
    super(`diverged at step ${step}: ${quantity} = ${value}${why ? ` (${why})` : ''}`);
    this.name = 'DivergenceError';
  }
}
