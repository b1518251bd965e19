/**
 * Label selectors as Kubernetes and Istio evaluate them.
 *
 * - A Service `spec.selector` (a plain map) selects pods carrying every pair; an empty or absent one
 *   selects nothing (the Service then has no managed endpoints).
 * - A Kubernetes LabelSelector (`matchLabels` + `matchExpressions`) ANDs everything; an empty one selects
 *   everything.
 * - An Istio `selector.matchLabels` / `workloadSelector.labels`: absent or empty selects every workload
 *   in scope (namespace-wide policy).
 *
 * Not modelled: set-based selector syntax in strings (`app in (a,b)`).
 */
export type Labels = Readonly<Record<string, string>>;

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/** True when `labels` carries every pair of `wanted` (an empty `wanted` matches everything). */
export function matchesLabels(wanted: Labels | undefined, labels: Labels): boolean {
  if (wanted === undefined) return true;
  for (const [key, value] of Object.entries(wanted)) if (labels[key] !== value) return false;
  return true;
}

/** Service selector: a map; empty or absent selects nothing. */
export function serviceSelects(selector: Labels | undefined, labels: Labels): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return matchesLabels(selector, labels);
}

export function labelSelectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return true;
  if (!matchesLabels(selector.matchLabels, labels)) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    if (!requirementMatches(requirement, labels)) return false;
  }
  return true;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(labels[requirement.key]!);
    case 'NotIn':
      return !has || !values.includes(labels[requirement.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** `a=b,c=d` with keys in code-unit order, for messages. */
export function formatLabels(labels: Labels | undefined): string {
  if (labels === undefined) return '';
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}
