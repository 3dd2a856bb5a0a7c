/**
 * Which runner made a results entry, read from its config (refingerprint-results.ts and
 * compute-runs.ts dispatch on it). Two networks on two clocks (section 14) and the wall-clock runs
 * (section 15) name their dataset too, so they are told apart before the feed-forward runs.
 */
export type EntryKind = 'char-LM' | 'Copy' | 'two-clocks' | 'sufficiency' | 'wall-clock' | 'feed-forward';

export function entryKind(config: Record<string, unknown>): EntryKind {
  if (config.task === 'ptb-char') return 'char-LM';
  if (config.task === 'copy' || config.task === 'repeatCopy') return 'Copy';
  if (config.task === 'two-clocks') return 'two-clocks';
  if (config.task === 'sufficiency') return 'sufficiency';
  if (config.task === 'wall-clock') return 'wall-clock';
  if ('dataset' in config) return 'feed-forward';
  throw new Error(`an unknown kind of entry (config fields: ${Object.keys(config).join(', ')})`);
}
