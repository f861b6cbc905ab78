import type { QaFigures, QaTrackReport } from './run-qa-track.js';

const pct = (x: number | undefined) => (x === undefined ? '–' : (100 * x).toFixed(2));

/** The QA track as a markdown table in percent (F1 / BLEU-1 / J as the paper), with the paper's rows for the backbone. */
export function formatQaReport(report: QaTrackReport): string {
  const lines = [
    `QA track: ${report.questions} questions, LLM ${report.llm}, judge ${report.judge ?? 'none (J not reported)'}, ${report.seconds} s.`,
    '',
    '| method | category | questions | F1 | BLEU-1 | J | LoCoMo F1 | EM |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [method, result] of Object.entries(report.methods)) {
    const row = (label: string, g: QaFigures) => `| ${method} | ${label} | ${g.questions} | ${pct(g.f1)} | ${pct(g.bleu1)} | ${pct(g.j)} | ${pct(g.locomo_f1)} | ${pct(g.em)} |`;
    lines.push(row('**overall**', result.overall));
    for (const [name, group] of Object.entries(result.categories)) lines.push(row(name, group));
  }
  if (report.paper) {
    lines.push('', `Memory-R1 (arXiv 2508.19828) Table 1, ${report.paper.backbone}, test split, overall:`, '', '| method | F1 | BLEU-1 | J |', '|---|---:|---:|---:|');
    for (const [name, row] of Object.entries(report.paper.rows)) lines.push(`| ${name} | ${row.f1.toFixed(2)} | ${row.bleu1.toFixed(2)} | ${row.j.toFixed(2)} |`);
  }
  lines.push('', report.category_mapping);
  return lines.join('\n');
}
