import type { EvidenceFigures, EvidenceTrackReport } from './run-evidence-track.js';

/** The evidence track as a markdown table: per method, overall and per category. */
export function formatEvidenceReport(report: EvidenceTrackReport): string {
  const lines = [
    `Evidence track: ${report.questions} questions with evidence (${report.skipped_without_evidence} without evidence left out), ${report.seconds} s.`,
    '',
    '| method | category | questions | evidence recall | evidence F1 | kept (mean) |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const [method, result] of Object.entries(report.methods)) {
    const row = (label: string, group: EvidenceFigures) =>
      `| ${method} | ${label} | ${group.questions} | ${group.evidence_recall.toFixed(3)} | ${group.evidence_f1.toFixed(3)} | ${group.kept_mean.toFixed(1)} |`;
    lines.push(row('**overall**', result.overall));
    for (const [name, group] of Object.entries(result.categories)) lines.push(row(name, group));
  }
  lines.push('', report.category_mapping);
  return lines.join('\n');
}
