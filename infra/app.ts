import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './build-app';

const app = new App();
buildApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
// aws-cdk-lib 2.276 does not hand the construct tree to validation plugins yet, so the
// plugin above reports nothing during synth: run the pack directly and refuse to synth on a finding.
const report = new AwsSolutionsChecks(app).validateScope(app);
if (!report.success) {
  for (const violation of report.violations) {
    console.error(`${violation.ruleName}: ${violation.description}\n  ${violation.violatingResources.map((r) => r.constructPath).join('\n  ')}`);
  }
  throw new Error(`cdk-nag AwsSolutions: ${report.violations.length} finding(s); fix them or acknowledge each with its reason in code.`);
}
app.synth();
