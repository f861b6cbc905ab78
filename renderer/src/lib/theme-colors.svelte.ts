/** The theme's colours for drawing on a canvas, which cannot use `var()` or `light-dark()`. */
import { createSubscriber } from 'svelte/reactivity';

/** Tells readers when the colour scheme changes: the theme setting (`data-theme` on <html>) or the system's, which `system` follows. */
const subscribeToScheme = createSubscriber((update) => {
  const themeSetting = new MutationObserver(update);
  themeSetting.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const systemScheme = matchMedia('(prefers-color-scheme: dark)');
  systemScheme.addEventListener('change', update);
  return () => {
    themeSetting.disconnect();
    systemScheme.removeEventListener('change', update);
  };
});

/**
 * The CSS colour variables' values in the scheme in use under `host`, as
 * `rgb()` strings. An effect that calls this runs again when the scheme
 * changes.
 */
export function themeColors<K extends string>(host: Element, variables: Record<K, `--${string}`>): Record<K, string> {
  subscribeToScheme();
  const probe = document.createElement('span');
  host.append(probe);
  const colors = {} as Record<K, string>;
  for (const [key, variable] of Object.entries(variables) as [K, string][]) {
    probe.style.color = `var(${variable})`;
    colors[key] = getComputedStyle(probe).color;
  }
  probe.remove();
  return colors;
}
