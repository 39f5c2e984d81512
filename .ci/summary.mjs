// Prints vitest's JSON report as the one line CI reads: "N passed, N failed".
// When the run stopped before vitest wrote a report (install or type errors),
// that counts as one failure, not as zero tests. A test file that fails to
// load has no failed test of its own, so it counts as one failure too.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, exitStatus] = process.argv.slice(2);
if (!existsSync(reportPath)) {
  console.log(`0 passed, ${exitStatus === '0' ? 0 : 1} failed`);
} else {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed'),
  ).length;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
