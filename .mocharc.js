// Mocha's config: the whole suite by default. Mocha appends test files named on the command
// line to `spec` rather than replacing it, so when some are named (npx mocha test/blas.test.ts)
// the default is left out and only those run.
'use strict';
const named = process.argv.slice(2).some((a) => !a.startsWith('-') && /\.test\.[cm]?[jt]s$/.test(a));
module.exports = {
  require: ['tsx', 'test/setup.ts'],
  ...(named ? {} : { spec: ['test/**/*.test.ts'] }),
  timeout: 120000,
  reporter: 'test/reporter.js',
};
