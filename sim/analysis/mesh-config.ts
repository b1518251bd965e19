/**
 * The mesh settings istiod reads (the `istio` ConfigMap's `mesh` key in its namespace): values meshsim
 * uses that istiod would not accept are errors (istiod keeps its previous or default MeshConfig).
 *
 * Not modelled: checks of MeshConfig fields meshsim does not read.
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { meshConfigOf } from '../config/mesh-config.ts';
import { report } from './context.ts';
import type { AnalysisContext } from './context.ts';

export function analyzeMeshConfig(context: AnalysisContext): Diagnostic[] {
  const reading = meshConfigOf(context.resources, context.topology.settings.rootNamespace);
  if (reading === null || context.builtIn(reading.resource)) return [];
  return reading.problems.map((p) => report(reading.resource, ['data', 'mesh'], 'error', CODES.meshConfig,
    `The mesh config (data.mesh${p.field === '' ? '' : `, ${p.field}`}): ${p.message}.`,
    'Fix the MeshConfig YAML; istiod would refuse it and keep its defaults.'));
}
