import * as path from 'node:path';
import { ConfigError, DataError } from '../core/errors';
import { type FileSpec, fetchCommand, verifyFile } from './checksum';
import { checkDirOption, checkOptionKeys, show } from './options';
import { dataDir, dataDirHint } from './paths';

/** Folder (under the data dir) holding the six PTB files. */
export const PTB_FOLDER = 'ptb';

/** Mikolov's PTB files from `simple-examples/data/`, with their sizes and md5s. */
export const PTB_FILES: Readonly<Record<string, FileSpec>> = {
  'ptb.train.txt': { bytes: 5101618, md5: 'f26c4b92c5fdc7b3f8c7cdcb991d8420' },
  'ptb.valid.txt': { bytes: 399782, md5: 'aa0affc06ff7c36e977d7cd49e3839bf' },
  'ptb.test.txt': { bytes: 449945, md5: '8b80168b89c18661a38ef683c0dc3721' },
  'ptb.char.train.txt': { bytes: 10034964, md5: '874909f99060142f6b88cc74c34baaa2' },
  'ptb.char.valid.txt': { bytes: 786084, md5: '9e0fe5bec2a8bf43fd686dc23d5ab8bb' },
  'ptb.char.test.txt': { bytes: 884846, md5: '1f9a2d1afe00f76e8bfbe09a65439681' },
};

/** Word level (10000 types incl. `<eos>`) or Mikolov's character level (50 symbols). */
export type PtbLevel = 'word' | 'char';

/** The token of a line end at word level (at char level it is the newline character itself). */
export const EOS_WORD = '<eos>';

/** Two-way map between symbols and ids 0..size-1. */
export interface Vocab {
  itos: string[];
  stoi: Map<string, number>;
}

/** A tokenized PTB split triple and the vocabulary (built from train) that encodes it. */
export interface PtbCorpus {
  level: PtbLevel;
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
  vocab: Vocab;
}

/**
 * Vocabulary of `tokens`, ids by decreasing frequency, ties by code-unit order, the rule
 * of the TensorFlow PTB reader, so ids are the same on every run and comparable with it.
 */
export function buildVocab(tokens: readonly string[]): Vocab {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const itos = [...counts.keys()].sort((a, b) => {
    const d = counts.get(b)! - counts.get(a)!;
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  return { itos, stoi: new Map(itos.map((s, i) => [s, i])) };
}

/** Ids of `tokens`; a symbol missing from the vocabulary is an error naming `file`. */
export function encode(tokens: readonly string[], vocab: Vocab, file: string): Int32Array {
  const ids = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const id = vocab.stoi.get(tokens[i]);
    if (id === undefined) {
      throw new DataError(`PTB file ${file}: token ${JSON.stringify(tokens[i])} at position ${i} is not in the training vocabulary`);
    }
    ids[i] = id;
  }
  return ids;
}

/** Splits text into lines, the last one ended by the final newline (a missing one is tolerated). */
function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** Word tokens: whitespace-separated words, plus `<eos>` at the end of every line. */
function tokenizeWords(text: string): string[] {
  const tokens: string[] = [];
  for (const line of lines(text)) {
    for (const w of line.split(/\s+/)) if (w !== '') tokens.push(w);
    tokens.push(EOS_WORD);
  }
  return tokens;
}

/**
 * Char tokens of a file in Mikolov's format, where every symbol (newline included) is
 * followed by one space: the symbols are the characters at even offsets.
 */
export function tokenizeChars(text: string, file: string): string[] {
  if (text.length % 2 !== 0) {
    throw new DataError(`PTB char file ${file} has odd length ${text.length}; every symbol must be followed by a space`);
  }
  const tokens = new Array<string>(text.length / 2);
  for (let i = 0; i < text.length; i += 2) {
    if (text[i + 1] !== ' ') {
      throw new DataError(`PTB char file ${file}: symbol at offset ${i} is followed by ${JSON.stringify(text[i + 1])}, not a space`);
    }
    tokens[i / 2] = text[i];
  }
  return tokens;
}

/**
 * Mikolov's character-level text from word-level text: per line, the words joined with
 * `_`, then the newline; every character (newline included) followed by one space.
 * Reproduces the official ptb.char.*.txt from ptb.*.txt byte for byte, so the download
 * can rebuild a char file an archive lacks.
 */
export function wordToCharFormat(wordText: string): string {
  const parts: string[] = [];
  for (const line of lines(wordText)) {
    const joined = line
      .split(/\s+/)
      .filter((w) => w !== '')
      .join('_');
    parts.push(joined === '' ? '\n ' : `${joined.split('').join(' ')} \n `);
  }
  return parts.join('');
}

/** The train/valid/test file names of a level. */
function ptbFileNames(level: PtbLevel): { train: string; valid: string; test: string } {
  const p = level === 'word' ? 'ptb.' : 'ptb.char.';
  return { train: `${p}train.txt`, valid: `${p}valid.txt`, test: `${p}test.txt` };
}

/**
 * Loads Penn Treebank at word or char level from `<dir>/ptb/` (dir defaults to dataDir()),
 * after checking each file's size and md5. The vocabulary comes from train; valid and
 * test are encoded with it. Word level: 929589 / 73760 / 82430 tokens, 10000 types;
 * char level: 5017482 train symbols, 50 types.
 */
export function loadPtb(level: PtbLevel, options: { dir?: string } = {}): PtbCorpus {
  if (level !== 'word' && level !== 'char') throw new ConfigError('level', `PTB level must be 'word' or 'char', got ${show(level)}`);
  checkOptionKeys(options, ['dir']);
  checkDirOption(options.dir);
  const root = { dir: path.resolve(options.dir ?? dataDir()), hint: dataDirHint(PTB_FOLDER, options.dir !== undefined) };
  const dir = path.join(root.dir, PTB_FOLDER);
  const hint = fetchCommand('ptb', root.dir);
  const names = ptbFileNames(level);
  const splits = (['train', 'valid', 'test'] as const).map((s) => {
    const file = path.join(dir, names[s]);
    const text = verifyFile(file, PTB_FILES[names[s]], hint, root).toString('latin1');
    return { file, tokens: level === 'word' ? tokenizeWords(text) : tokenizeChars(text, file) };
  });
  const vocab = buildVocab(splits[0].tokens);
  const [train, valid, test] = splits.map((s) => encode(s.tokens, vocab, s.file));
  return { level, train, valid, test, vocab };
}
