import { loadScenarioText } from './scenarios/load-scenario.ts';
const r = loadScenarioText('s.yaml', 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  duration: 200ms\n');
console.log(r.diagnostics, r.scenario?.sampleUs);
