/**
 * What every browser test checks on each page it opens: axe-core finds no serious or critical
 * accessibility violation, and a screenshot is saved (apps/console/test/screenshots/, gitignored)
 * for a person to look at.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export const screenshotsDir = fileURLToPath(new URL('../screenshots/', import.meta.url));

const failingImpacts = new Set(['serious', 'critical']);

export interface AccessibilityOptions {
  /** CSS selectors axe leaves out (a third-party widget, say); use sparingly and say why. */
  exclude?: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and throws, listing each
 * violation with the elements at fault, if any is serious or critical.
 */
export async function checkAccessibility(page: Page, { exclude = [] }: AccessibilityOptions = {}): Promise<void> {
  // Violations only: collecting every passing node is most of axe's time on a 50-row table.
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ resultTypes: ['violations'] });
  for (const selector of exclude) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const failing = violations.filter((v) => failingImpacts.has(v.impact ?? ''));
  if (failing.length === 0) return;
  const lines = failing.map((v) => `- ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  throw new Error(`axe found ${failing.length} serious or critical violation(s) on ${page.url()}:\n${lines.join('\n')}`);
}

/** Saves the whole page as `<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotsDir, { recursive: true });
  const path = `${screenshotsDir}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
