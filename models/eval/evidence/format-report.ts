import type { EvidenceFigures, EvidenceTrackReport } from './run-evidence-track.js';

const cells = (f: EvidenceFigures) =>
  `${f.evidence_recall.toFixed(3)} | ${f.evidence_f1.toFixed(3)} | ${f.content_recall.toFixed(3)} | ${f.kept_mean.toFixed(1)} | ${f.kept_tokens_mean.toFixed(0)}`;

/** The evidence track as markdown tables: per method (overall and per category), the pool's ceiling, and the banks compared alone. */
export function formatEvidenceReport(report: EvidenceTrackReport): string {
  const budget = report.budget === null ? 'each method at its own operating point' : `every method keeps exactly ${report.budget}`;
  const bankBudget = report.bank_budget === null ? 'no bank budget' : `bank budget ${report.bank_budget} of the observations`;
  const lines = [
    `Evidence track (${report.split}): ${report.questions} questions with evidence (${report.skipped_without_evidence} without evidence left out), ${budget}, ${bankBudget}, ${report.seconds} s.`,
    '',
    '| method | bank | category | questions | evidence recall | evidence F1 | content recall | kept (mean) | kept tokens |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [method, result] of Object.entries(report.methods)) {
    lines.push(`| ${method} | ${result.bank} | **overall** | ${result.overall.questions} | ${cells(result.overall)} |`);
    for (const [name, group] of Object.entries(result.categories)) lines.push(`| ${method} | | ${name} | ${group.questions} | ${cells(group)} |`);
  }
  lines.push('', `| pool (all ${report.pool.overall.kept_mean.toFixed(0)} candidates of the ${report.pool.bank} bank) | | | ${report.pool.overall.questions} | ${cells(report.pool.overall)} |`);
  lines.push('', '| bank (one distiller on each) | distiller | memories (mean) | evidence recall | evidence F1 | content recall | kept (mean) | kept tokens | operations (ADD / UPDATE / DELETE / NOOP) |', '|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const [kind, bank] of Object.entries(report.banks)) {
    const ops = bank.manager_ops;
    lines.push(`| ${kind} | ${bank.distiller} @${bank.budget} | ${bank.memories_mean.toFixed(0)} | ${cells(bank.overall)} | ${ops ? `${ops.ADD} / ${ops.UPDATE} / ${ops.DELETE} / ${ops.NOOP}` : ''} |`);
  }
  if (report.supervised) lines.push('', `supervised baseline: L2 ${report.supervised.l2} (chosen on conv-30)`);
  lines.push('', report.category_mapping);
  return lines.join('\n');
}
